// S3 ACL wire formats: canned ACLs (x-amz-acl), grant headers
// (x-amz-grant-read: id="user", uri="http://acs.amazonaws.com/groups/global/AllUsers")
// and the AccessControlPolicy XML body, to and from services::AccessControlList.
//
// Grantees: canonical user ids (our user ids) and the AllUsers and
// AuthenticatedUsers groups. E-mail grantees → UnresolvableGrantByEmailAddress;
// other groups (LogDelivery) and unknown permissions → MalformedACLError (XML)
// or InvalidArgument (headers). As S3: a canned ACL shows the owner's
// FULL_CONTROL first; grant headers and a body set exactly the grants they
// list, in their order (no owner grant is added). Pure functions.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "protocols/http/http_message.h"
#include "protocols/s3/s3_xml.h"
#include "services/security/access_control_list.h"
#include "services/security/authorizer.h"

namespace skyarray::s3 {

// The ACL a request sets through x-amz-acl or x-amz-grant-* headers;
// nullopt when it names none. Both kinds at once → InvalidRequest.
Result<std::optional<services::AccessControlList>> acl_from_headers(
    const http::HttpRequest& request);

// An AccessControlPolicy body.
Result<services::AccessControlList> acl_from_xml(const XmlAccessControlPolicy& policy);

// Whether `acl` (from the canned ACL `canned`, when one was named) may be
// stored on a bucket with `bucket`'s controls, as S3 decides:
//   - ACLs disabled (OwnershipControls BucketOwnerEnforced): only the
//     bucket-owner-full-control canned ACL, or a body granting FULL_CONTROL
//     to the bucket owner alone → else AccessControlListNotSupported;
//   - BlockPublicAcls: a grant to AllUsers / AuthenticatedUsers →
//     AccessDenied.
Status check_acl_allowed(std::optional<std::string_view> canned,
                         const services::AccessControlList& acl,
                         const services::BucketAccess& bucket);

// An ObjectOwnership named by x-amz-object-ownership or a PutBucket-
// OwnershipControls body: BucketOwnerEnforced; BucketOwnerPreferred and
// ObjectWriter (the writer owns the object: not done here) →
// NotImplemented; anything else → InvalidArgument.
Result<services::ObjectOwnership> object_ownership_from_name(std::string_view name);

// GetBucketAcl / GetObjectAcl body: the Owner, then the grants (after the
// owner's FULL_CONTROL when acl.owner_implicit).
std::string acl_to_xml(const std::string& owner, const services::AccessControlList& acl);

}  // namespace skyarray::s3
