#include "common/random.h"

#include <openssl/rand.h>

namespace skyarray {

Result<std::string> random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return Status::internal("the random generator failed");
  }
  return out;
}

}  // namespace skyarray
