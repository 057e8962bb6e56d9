// S3 XML: the request bodies S3 defines, parsed strictly (pugixml), and a
// small writer for response bodies.
//
// Parsing rules (all failures are MalformedXML unless noted): the document
// must be well-formed, the root element must have the expected name (a
// namespace prefix or xmlns attribute is accepted and ignored), unknown child
// elements are refused, required elements must be present, numbers must be
// numbers. Bodies are small (callers cap them, e.g. 1 MiB) and parsed whole.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::s3 {

struct XmlCompletedPart {
  uint32_t number = 0;
  std::string etag;  // unquoted
  // Algorithm name ("CRC32C") → base64 value, from <ChecksumCRC32C> etc.
  std::map<std::string, std::string> checksums;
};
Result<std::vector<XmlCompletedPart>> parse_complete_multipart(std::string_view xml);

struct XmlDeleteObject {
  std::string key;
  std::optional<std::string> version_id;
  // Conditions on the current version (conditional deletes).
  std::optional<std::string> etag;  // unquoted
  std::optional<Timestamp> last_modified;
  std::optional<uint64_t> size;
};
struct XmlDelete {
  bool quiet = false;
  std::vector<XmlDeleteObject> objects;  // 1..1000
};
Result<XmlDelete> parse_delete(std::string_view xml);

// LocationConstraint (empty when absent or body empty).
Result<std::string> parse_create_bucket(std::string_view xml);

// Tags; duplicate keys or bad sizes → InvalidTag.
Result<services::TagSet> parse_tagging(std::string_view xml, size_t max_tags);

Result<services::VersioningState> parse_versioning(std::string_view xml);

Result<std::vector<services::CorsRule>> parse_cors(std::string_view xml);

// PublicAccessBlockConfiguration: the four flags, each optional (false).
Result<services::PublicAccessBlock> parse_public_access_block(std::string_view xml);
// OwnershipControls: exactly one Rule with an ObjectOwnership of one of
// the three names S3 knows (returned as written).
Result<std::string> parse_ownership_controls(std::string_view xml);
// ServerSideEncryptionConfiguration: one <Rule> with
// <ApplyServerSideEncryptionByDefault> (AES256, or aws:kms with an optional
// KMSMasterKeyID) and an optional <BucketKeyEnabled>; dual-layer KMS and
// BlockedEncryptionTypes are NotImplemented.
Result<services::BucketEncryption> parse_bucket_encryption(std::string_view xml);
// The wire names of the SSE modes ("AES256", "aws:kms", as in headers and
// in <SSEAlgorithm>); nullopt for anything else.
std::optional<services::SseMode> parse_sse_algorithm(std::string_view name);
std::string_view sse_algorithm_name(services::SseMode mode);

// Object Lock bodies. ObjectLockConfiguration: <ObjectLockEnabled>Enabled
// and an optional <Rule><DefaultRetention> with a <Mode> and exactly one of
// <Days>, <Years> (positive: else InvalidArgument). Retention: <Mode> and
// <RetainUntilDate> together, or neither (removes the retention). LegalHold:
// <Status> ON or OFF.
Result<services::ObjectLockConfiguration> parse_object_lock_configuration(std::string_view xml);
Result<services::ObjectLock> parse_retention(std::string_view xml);
Result<bool> parse_legal_hold(std::string_view xml);
// "GOVERNANCE" / "COMPLIANCE" (exact, as S3); nullopt for anything else.
std::optional<services::RetentionMode> parse_retention_mode(std::string_view s);
std::string_view retention_mode_name(services::RetentionMode mode);

// AccessControlPolicy (PutBucketAcl / PutObjectAcl body). A grantee is
// named by <ID> (CanonicalUser), <URI> (Group) or <EmailAddress>; which one
// is kept as written (s3_acl.h turns them into grants). Failures:
// MalformedACLError.
struct XmlGrant {
  std::string id;
  std::string uri;
  std::string email;
  std::string permission;  // "READ", "FULL_CONTROL", ...
};
struct XmlAccessControlPolicy {
  std::string owner_id;  // empty when <Owner> is absent
  std::vector<XmlGrant> grants;
};
Result<XmlAccessControlPolicy> parse_access_control_policy(std::string_view xml);

// Builds an XML document as a string. Text and attribute values are escaped.
class XmlWriter {
 public:
  // Starts the document with the declaration and `root` in the S3 namespace.
  explicit XmlWriter(std::string_view root, bool s3_namespace = true);
  XmlWriter& open(std::string_view tag);
  XmlWriter& close(std::string_view tag);
  XmlWriter& elem(std::string_view tag, std::string_view text);
  XmlWriter& elem(std::string_view tag, uint64_t value);
  XmlWriter& elem_bool(std::string_view tag, bool value);
  // Closes the root and returns the document.
  std::string finish();

 private:
  std::string root_;
  std::string out_;
};

std::string xml_escape(std::string_view s);

// <Owner> with `id` as ID and DisplayName (listings).
void owner_xml(XmlWriter& w, const std::string& id);
// <Checksum{ALG}> with the checksum's wire value; nothing without one.
void checksum_xml(XmlWriter& w, const std::optional<services::ObjectChecksum>& c);

}  // namespace skyarray::s3
