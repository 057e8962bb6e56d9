// AccessControlList: S3 ACL grants of a bucket or an object version.
//
// Ownership follows S3's "bucket owner enforced" rule for who owns an
// object (the bucket owner, whoever wrote it), but ACLs stay enabled unless
// the bucket's OwnershipControls say BucketOwnerEnforced: the owner may
// always do everything, and grants add permissions for other users, for
// everyone (AllUsers, including anonymous requests) or for every signed-in
// user (AuthenticatedUsers).
//
// The grant list is kept the way S3 shows it back (GetBucketAcl /
// GetObjectAcl): a canned ACL lists the owner's FULL_CONTROL first, then its
// own grants (owner_implicit: the owner's grant is not stored); grants given
// by x-amz-grant-* headers or an AccessControlPolicy body are kept exactly
// as given, in order, with no owner grant added (owner_implicit false).
// The default (no grants, owner_implicit) is the canned "private" ACL.
//
// Permissions and what they allow (S3):
//   bucket READ  → ListBucket, ListBucketVersions, ListBucketMultipartUploads
//   bucket WRITE → PutObject, DeleteObject (and multipart writes)
//   object READ  → GetObject, GetObjectVersion (and HEAD)
//   READ_ACP / WRITE_ACP → Get/Put of that bucket's or object's ACL
//   FULL_CONTROL → all of the above
//
// Value type; thread-safe to share once built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyarray::services {

enum class AclPermission : uint8_t {
  kRead = 1,
  kWrite = 2,
  kReadAcp = 4,
  kWriteAcp = 8,
  kFullControl = 15,
};

enum class AclGrantee : uint8_t {
  kUser = 0,                // a user id
  kAllUsers = 1,            // http://acs.amazonaws.com/groups/global/AllUsers
  kAuthenticatedUsers = 2,  // http://acs.amazonaws.com/groups/global/AuthenticatedUsers
};

struct AclGrant {
  AclGrantee grantee = AclGrantee::kUser;
  std::string user_id;  // for kUser
  AclPermission permission = AclPermission::kRead;

  bool operator==(const AclGrant&) const = default;
};

struct AccessControlList {
  std::vector<AclGrant> grants;
  // The owner's FULL_CONTROL is listed first without being in `grants`
  // (canned ACLs; ACLs stored before grants were kept as given).
  bool owner_implicit = true;

  // The grants of a canned ACL (x-amz-acl): private, public-read,
  // public-read-write, authenticated-read, bucket-owner-read,
  // bucket-owner-full-control. kInvalidArgument for another name.
  // (The bucket-owner-* ones add nothing here: the bucket owner owns every
  // object already.)
  static Result<AccessControlList> canned(std::string_view name);

  // Whether a grant gives `permission` to the requester (user id; empty for
  // anonymous). The owner's implicit grant is not considered here; grants to
  // AllUsers / AuthenticatedUsers only with `public_grants`.
  bool allows(const std::string& user_id, AclPermission permission,
              bool public_grants = true) const;
  // Some grant reaches AllUsers or AuthenticatedUsers.
  bool is_public() const;
  // The canned "private" ACL with nothing stored (records leave it out).
  bool is_default() const { return owner_implicit && grants.empty(); }

  bool operator==(const AccessControlList&) const = default;
};

std::string_view acl_permission_name(AclPermission p);  // "READ", "FULL_CONTROL"
std::optional<AclPermission> parse_acl_permission(std::string_view name);

// The ACL permission that grants `action` ("s3:GetObject") on a bucket
// (object_acl false) or on an object's own ACL; nullopt when ACLs cannot
// grant that action.
std::optional<AclPermission> acl_permission_for(std::string_view action, bool object_acl);

}  // namespace skyarray::services
