// Random bytes from OpenSSL's CSPRNG, for keys, tokens, nonces and ids.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace skyarray {

// `n` random bytes; kInternal when the generator cannot deliver (it then
// must not be retried into a weaker source).
Result<std::string> random_bytes(size_t n);

}  // namespace skyarray
