#include "services/security/bearer_token.h"

#include "common/encoding.h"
#include "common/private_file.h"
#include "common/random.h"

namespace skyarray::services {

namespace {
constexpr size_t kTokenBytes = 32;
}  // namespace

Result<std::string> load_or_create_bearer_token(const std::string& path) {
  auto existing = read_private_file(path);
  if (existing.is_ok()) {
    std::string token = *existing;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) return Status::invalid_argument(path + " is empty");
    return token;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  SKY_ASSIGN_OR_RETURN(std::string raw, random_bytes(kTokenBytes));
  std::string token = hex_encode(raw);
  SKY_RETURN_IF_ERROR(write_private_file(path, token + "\n"));
  return token;
}

}  // namespace skyarray::services
