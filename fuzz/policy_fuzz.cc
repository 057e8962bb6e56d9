// Fuzzes the bucket policy parser and, for documents it accepts, the
// evaluator with a request derived from the input: no crash, no hang, and
// a policy that parsed once parses again to the same statements.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/security/bucket_policy.h"
#include "services/security/policy_evaluator.h"

using namespace skyarray::services;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = BucketPolicy::parse(text, "scans");
  if (!policy.is_ok()) return 0;
  auto again = BucketPolicy::parse(text, "scans");
  if (!again.is_ok() || again->statements().size() != policy->statements().size()) std::abort();
  (void)policy->is_public();
  // Requests built from the input's own bytes reach the matchers with
  // hostile keys and values.
  AccessRequest r;
  r.bucket = "scans";
  r.key = std::string(text.substr(0, 64));
  r.context["aws:sourceip"] = size % 2 ? "127.0.0.1" : "2001:db8::1";
  r.context["s3:prefix"] = std::string(text.substr(size / 2, 32));
  r.context["aws:currenttime"] = "2026-11-25T13:00:00Z";
  r.context["s3:max-keys"] = std::to_string(size);
  for (const auto& a : known_s3_actions()) {
    r.action = "s3:" + std::string(a.name);
    r.user_id = a.object_level ? "" : "pacs";
    (void)PolicyEvaluator::evaluate(*policy, r);
  }
  return 0;
}
