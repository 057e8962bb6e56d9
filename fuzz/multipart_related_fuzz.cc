// Fuzzes the multipart body split of STOW-RS: the first byte is the
// boundary's length, then the boundary, then the body; each part found is
// read as a Part 10 file, as the DICOMweb door does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/dicomweb/multipart_related.h"
#include "services/dicom/part10_file.h"

using namespace skyarray;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t n = data[0] % 80;
  if (size < 1 + n) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parts = dicomweb::split_multipart(input.substr(n), input.substr(0, n));
  if (!parts.is_ok()) return 0;
  for (const auto& part : *parts) {
    (void)part.header("content-type");
    (void)services::dicom::Part10File::read(part.data);
  }
  (void)dicomweb::media_type_parameter(input, "boundary");
  return 0;
}
