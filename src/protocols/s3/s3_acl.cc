#include "protocols/s3/s3_acl.h"

#include "common/ascii.h"
#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {

namespace {

constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kAuthenticatedUsers =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

struct GrantHeader {
  std::string_view name;
  services::AclPermission permission;
};
constexpr GrantHeader kGrantHeaders[] = {
    {"x-amz-grant-read", services::AclPermission::kRead},
    {"x-amz-grant-write", services::AclPermission::kWrite},
    {"x-amz-grant-read-acp", services::AclPermission::kReadAcp},
    {"x-amz-grant-write-acp", services::AclPermission::kWriteAcp},
    {"x-amz-grant-full-control", services::AclPermission::kFullControl},
};

// One grantee (id / uri / email) with a permission → a grant. `bad` builds
// the error of the format.
template <typename Bad>
Result<services::AclGrant> make_grant(std::string_view id, std::string_view uri,
                                      std::string_view email, services::AclPermission permission,
                                      Bad bad) {
  services::AclGrant g;
  g.permission = permission;
  if (!email.empty()) {
    return s3_status(S3Error::kUnresolvableGrantByEmailAddress,
                     "grants by e-mail address are not supported; grant to a user id");
  }
  if (!uri.empty()) {
    if (uri == kAllUsers) {
      g.grantee = services::AclGrantee::kAllUsers;
    } else if (uri == kAuthenticatedUsers) {
      g.grantee = services::AclGrantee::kAuthenticatedUsers;
    } else {
      return bad("unsupported grantee group '" + std::string(uri) + "'");
    }
    return g;
  }
  if (id.empty()) return bad("a grantee needs an id, uri or emailAddress");
  g.grantee = services::AclGrantee::kUser;
  g.user_id = std::string(id);
  return g;
}

std::string grantee_xml(const services::AclGrant& g) {
  const std::string xsi = "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ";
  switch (g.grantee) {
    case services::AclGrantee::kAllUsers:
      return xsi + "xsi:type=\"Group\"><URI>" + std::string(kAllUsers) + "</URI></Grantee>";
    case services::AclGrantee::kAuthenticatedUsers:
      return xsi + "xsi:type=\"Group\"><URI>" + std::string(kAuthenticatedUsers) +
             "</URI></Grantee>";
    case services::AclGrantee::kUser:
      break;
  }
  std::string id = xml_escape(g.user_id);
  return xsi + "xsi:type=\"CanonicalUser\"><ID>" + id + "</ID><DisplayName>" + id +
         "</DisplayName></Grantee>";
}

}  // namespace

Result<std::optional<services::AccessControlList>> acl_from_headers(
    const http::HttpRequest& request) {
  auto canned = request.header("x-amz-acl");
  bool any_grant = false;
  // Grant headers set exactly the grants they name (S3 adds no owner grant).
  services::AccessControlList acl;
  acl.owner_implicit = false;
  auto bad = [](std::string m) { return s3_status(S3Error::kInvalidArgument, std::move(m)); };
  for (const auto& h : kGrantHeaders) {
    auto value = request.header(h.name);
    if (!value) continue;
    any_grant = true;
    // id="a", uri="http://...", emailAddress="x@y"
    std::string_view rest = *value;
    while (!trim(rest).empty()) {
      size_t comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        return bad("malformed " + std::string(h.name) + " header: '" + std::string(item) + "'");
      }
      std::string_view type = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      std::string_view id, uri, email;
      if (type == "id") {
        id = v;
      } else if (type == "uri") {
        uri = v;
      } else if (type == "emailAddress") {
        email = v;
      } else {
        return bad("unknown grantee type '" + std::string(type) + "' in " + std::string(h.name));
      }
      SKY_ASSIGN_OR_RETURN(auto g, make_grant(id, uri, email, h.permission, bad));
      acl.grants.push_back(std::move(g));
    }
  }
  if (canned && any_grant) {
    return s3_status(S3Error::kInvalidRequest,
                     "Specifying both Canned ACLs and Header Grants is not allowed");
  }
  if (canned) {
    auto c = services::AccessControlList::canned(trim(*canned));
    if (!c.is_ok()) return bad(c.status().message());
    return std::optional<services::AccessControlList>(std::move(c).value());
  }
  if (!any_grant) return std::optional<services::AccessControlList>();
  return std::optional<services::AccessControlList>(std::move(acl));
}

Result<services::AccessControlList> acl_from_xml(const XmlAccessControlPolicy& policy) {
  auto bad = [](std::string m) { return s3_status(S3Error::kMalformedACLError, std::move(m)); };
  services::AccessControlList acl;
  acl.owner_implicit = false;  // the body lists every grant, the owner's too
  for (const auto& x : policy.grants) {
    auto permission = services::parse_acl_permission(x.permission);
    if (!permission) return bad("unknown permission '" + x.permission + "'");
    SKY_ASSIGN_OR_RETURN(auto g, make_grant(x.id, x.uri, x.email, *permission, bad));
    acl.grants.push_back(std::move(g));
  }
  return acl;
}

Status check_acl_allowed(std::optional<std::string_view> canned,
                         const services::AccessControlList& acl,
                         const services::BucketAccess& bucket) {
  if (!bucket.acls_enabled()) {
    const services::AclGrant owner_full{services::AclGrantee::kUser, bucket.owner,
                                        services::AclPermission::kFullControl};
    bool owner_full_control =
        (canned && trim(*canned) == "bucket-owner-full-control") ||
        (!acl.owner_implicit && acl.grants.size() == 1 && acl.grants[0] == owner_full);
    if (!owner_full_control) {
      return s3_status(S3Error::kAccessControlListNotSupported, "The bucket does not allow ACLs");
    }
  }
  if (bucket.public_access_block.block_public_acls && acl.is_public()) {
    return s3_status(S3Error::kAccessDenied, "Access Denied");
  }
  return Status::ok();
}

Result<services::ObjectOwnership> object_ownership_from_name(std::string_view name) {
  auto o = services::parse_object_ownership(trim(name));
  if (!o) {
    return s3_status(S3Error::kInvalidArgument,
                     "Invalid x-amz-object-ownership header: " + std::string(name));
  }
  if (*o != services::ObjectOwnership::kBucketOwnerEnforced) {
    return s3_status(S3Error::kNotImplemented,
                     std::string(services::object_ownership_name(*o)) +
                         " is not implemented: objects are always owned by the bucket owner "
                         "(BucketOwnerEnforced)");
  }
  return *o;
}

std::string acl_to_xml(const std::string& owner, const services::AccessControlList& acl) {
  const std::string id = xml_escape(owner);
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>" +
      id + "</ID><DisplayName>" + id + "</DisplayName></Owner><AccessControlList>";
  services::AclGrant owner_grant{services::AclGrantee::kUser, owner,
                                 services::AclPermission::kFullControl};
  auto grant = [&](const services::AclGrant& g) {
    out += "<Grant>" + grantee_xml(g) + "<Permission>" +
           std::string(services::acl_permission_name(g.permission)) + "</Permission></Grant>";
  };
  if (acl.owner_implicit) grant(owner_grant);
  for (const auto& g : acl.grants) grant(g);
  out += "</AccessControlList></AccessControlPolicy>";
  return out;
}

}  // namespace skyarray::s3
