// Fuzzes the S3 lifecycle configuration parser and its validation: any
// configuration that parses and validates must write back to XML that
// parses to the same configuration, and must encode and decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocols/s3/s3_lifecycle_xml.h"

using namespace skyarray;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto parsed = s3::parse_lifecycle_configuration(xml);
  if (!parsed.is_ok()) return 0;
  for (auto& r : parsed->rules) {
    if (r.id.empty()) r.id = "generated";
  }
  if (!services::validate_lifecycle_configuration(*parsed).is_ok()) return 0;
  auto decoded = services::LifecycleConfiguration::decode(parsed->encode());
  if (!decoded.is_ok() || !(*decoded == *parsed)) std::abort();
  auto back = s3::parse_lifecycle_configuration(s3::lifecycle_configuration_xml(*parsed));
  if (!back.is_ok() || back->rules.size() != parsed->rules.size()) std::abort();
  for (size_t i = 0; i < back->rules.size(); ++i) {
    if (back->rules[i].id != parsed->rules[i].id ||
        back->rules[i].expiration_days != parsed->rules[i].expiration_days ||
        back->rules[i].noncurrent_days != parsed->rules[i].noncurrent_days ||
        back->rules[i].filter.tags != parsed->rules[i].filter.tags) {
      std::abort();
    }
  }
  return 0;
}
