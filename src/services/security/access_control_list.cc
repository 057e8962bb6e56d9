#include "services/security/access_control_list.h"

#include <algorithm>

namespace skyarray::services {

Result<AccessControlList> AccessControlList::canned(std::string_view name) {
  AccessControlList acl;
  auto add = [&](AclGrantee g, AclPermission p) { acl.grants.push_back(AclGrant{g, "", p}); };
  if (name == "private" || name == "bucket-owner-read" || name == "bucket-owner-full-control") {
    return acl;
  }
  if (name == "public-read") {
    add(AclGrantee::kAllUsers, AclPermission::kRead);
  } else if (name == "public-read-write") {
    add(AclGrantee::kAllUsers, AclPermission::kRead);
    add(AclGrantee::kAllUsers, AclPermission::kWrite);
  } else if (name == "authenticated-read") {
    add(AclGrantee::kAuthenticatedUsers, AclPermission::kRead);
  } else {
    return Status::invalid_argument("unknown canned ACL '" + std::string(name) + "'");
  }
  return acl;
}

bool AccessControlList::allows(const std::string& user_id, AclPermission permission,
                               bool public_grants) const {
  const auto want = static_cast<uint8_t>(permission);
  return std::any_of(grants.begin(), grants.end(), [&](const AclGrant& g) {
    if ((static_cast<uint8_t>(g.permission) & want) != want) return false;
    if (!public_grants && g.grantee != AclGrantee::kUser) return false;
    switch (g.grantee) {
      case AclGrantee::kAllUsers:
        return true;
      case AclGrantee::kAuthenticatedUsers:
        return !user_id.empty();
      case AclGrantee::kUser:
        return !user_id.empty() && g.user_id == user_id;
    }
    return false;
  });
}

bool AccessControlList::is_public() const {
  return std::any_of(grants.begin(), grants.end(),
                     [](const AclGrant& g) { return g.grantee != AclGrantee::kUser; });
}

std::string_view acl_permission_name(AclPermission p) {
  switch (p) {
    case AclPermission::kRead:
      return "READ";
    case AclPermission::kWrite:
      return "WRITE";
    case AclPermission::kReadAcp:
      return "READ_ACP";
    case AclPermission::kWriteAcp:
      return "WRITE_ACP";
    case AclPermission::kFullControl:
      return "FULL_CONTROL";
  }
  return "READ";
}

std::optional<AclPermission> parse_acl_permission(std::string_view name) {
  for (auto p : {AclPermission::kRead, AclPermission::kWrite, AclPermission::kReadAcp,
                 AclPermission::kWriteAcp, AclPermission::kFullControl}) {
    if (acl_permission_name(p) == name) return p;
  }
  return std::nullopt;
}

std::optional<AclPermission> acl_permission_for(std::string_view action, bool object_acl) {
  struct Row {
    std::string_view action;
    AclPermission permission;
    bool object;
  };
  static constexpr Row kRows[] = {
      {"s3:ListBucket", AclPermission::kRead, false},
      {"s3:ListBucketVersions", AclPermission::kRead, false},
      {"s3:ListBucketMultipartUploads", AclPermission::kRead, false},
      {"s3:PutObject", AclPermission::kWrite, false},
      {"s3:DeleteObject", AclPermission::kWrite, false},
      {"s3:DeleteObjectVersion", AclPermission::kWrite, false},
      {"s3:AbortMultipartUpload", AclPermission::kWrite, false},
      {"s3:ListMultipartUploadParts", AclPermission::kWrite, false},
      {"s3:GetBucketAcl", AclPermission::kReadAcp, false},
      {"s3:PutBucketAcl", AclPermission::kWriteAcp, false},
      {"s3:GetObject", AclPermission::kRead, true},
      {"s3:GetObjectVersion", AclPermission::kRead, true},
      {"s3:GetObjectAcl", AclPermission::kReadAcp, true},
      {"s3:GetObjectVersionAcl", AclPermission::kReadAcp, true},
      {"s3:PutObjectAcl", AclPermission::kWriteAcp, true},
      {"s3:PutObjectVersionAcl", AclPermission::kWriteAcp, true},
  };
  for (const auto& r : kRows) {
    if (r.action == action && r.object == object_acl) return r.permission;
  }
  return std::nullopt;
}

}  // namespace skyarray::services
