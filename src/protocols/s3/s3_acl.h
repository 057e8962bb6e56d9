// S3 ACL wire formats: canned ACLs (x-amz-acl), grant headers
// (x-amz-grant-read: id="user", uri="http://acs.amazonaws.com/groups/global/AllUsers")
// and the AccessControlPolicy XML body, to and from services::AccessControlList.
//
// Grantees: canonical user ids (our user ids) and the AllUsers and
// AuthenticatedUsers groups. E-mail grantees → UnresolvableGrantByEmailAddress;
// other groups (LogDelivery) and unknown permissions → MalformedACLError (XML)
// or InvalidArgument (headers). A grant of FULL_CONTROL to the owner is
// implicit and not stored. Pure functions.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "protocols/http/http_message.h"
#include "protocols/s3/s3_xml.h"
#include "services/security/access_control_list.h"

namespace skyarray::s3 {

// The ACL a request sets through x-amz-acl or x-amz-grant-* headers;
// nullopt when it names none. Both kinds at once → InvalidRequest.
Result<std::optional<services::AccessControlList>> acl_from_headers(
    const http::HttpRequest& request);

// An AccessControlPolicy body for a resource owned by `owner`.
Result<services::AccessControlList> acl_from_xml(const XmlAccessControlPolicy& policy,
                                                 const std::string& owner);

// GetBucketAcl / GetObjectAcl body: the owner's FULL_CONTROL, then the grants.
std::string acl_to_xml(const std::string& owner, const services::AccessControlList& acl);

}  // namespace skyarray::s3
