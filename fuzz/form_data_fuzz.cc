// Fuzzes the browser-form POST parsers: the multipart/form-data parser fed
// the input whole and in pieces cut where the input says (the result must
// not depend on how the body arrives), and the POST policy parser and
// checker. No crash, no hang, bounded memory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "protocols/s3/form_data_parser.h"
#include "protocols/s3/post_policy.h"

using namespace skyarray::s3;

namespace {

struct Outcome {
  bool ok = true;
  bool done = false;
  std::string fields;  // name=value;...
  std::string file;
};

Outcome parse(std::string_view body, size_t step) {
  FormDataLimits limits;
  limits.max_field_bytes = 4096;
  limits.max_fields_bytes = 16384;
  FormDataParser p("XyZ", limits);
  Outcome o;
  for (size_t at = 0; at < body.size() && o.ok; at += step) {
    o.ok = p.feed(body.substr(at, step)).is_ok();
    o.file += p.take_file_data();
  }
  if (!o.ok) return o;
  o.done = p.done();
  for (const auto& f : p.fields()) o.fields += f.name + "=" + f.value + ";";
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)FormDataParser::boundary_of(text.substr(0, 128));
  Outcome whole = parse(text, text.size() + 1);
  size_t step = size ? 1 + data[0] % 13 : 1;
  Outcome pieces = parse(text, step);
  // Errors may be found at different points, but an accepted body must give
  // the same fields and file bytes however it is cut.
  if (whole.ok && pieces.ok &&
      (whole.done != pieces.done || whole.fields != pieces.fields || whole.file != pieces.file)) {
    std::abort();
  }

  auto policy = PostPolicy::parse(text);
  if (policy.is_ok()) {
    std::map<std::string, std::string> fields{
        {"key", std::string(text.substr(0, 16))}, {"bucket", "scans"}, {"acl", "private"}};
    (void)policy->check(fields, std::chrono::system_clock::time_point{});
    (void)policy->content_length_range();
  }
  return 0;
}
