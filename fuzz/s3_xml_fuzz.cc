// Fuzzes every S3 XML request-body parser with the same input, and the XML
// writer's escaping (its output must parse back).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocols/s3/s3_xml.h"

using namespace skyarray::s3;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  (void)parse_complete_multipart(xml);
  (void)parse_delete(xml);
  (void)parse_create_bucket(xml);
  (void)parse_tagging(xml, 10);
  (void)parse_versioning(xml);
  (void)parse_cors(xml);
  (void)parse_access_control_policy(xml);
  (void)parse_object_lock_configuration(xml);
  (void)parse_retention(xml);
  (void)parse_legal_hold(xml);
  (void)parse_bucket_encryption(xml);
  // Round trip: any key written by the writer parses back in a Delete body.
  XmlWriter w("Delete", false);
  w.open("Object").elem("Key", xml).close("Object");
  auto back = parse_delete(w.finish());
  if (back.is_ok() && back->objects.size() != 1) std::abort();
  return 0;
}
