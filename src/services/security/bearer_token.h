// A random bearer token kept in a private file (mode 0600, written durably):
// the credential of a client that cannot sign, such as a Prometheus scraper.
#pragma once

#include <string>

#include "common/status.h"

namespace skyarray::services {

// The token in `path` (one line of text); when the file does not exist, a
// new token (32 random bytes, hex) is made and written there first. An
// empty file is kInvalidArgument: somebody meant to set a token.
Result<std::string> load_or_create_bearer_token(const std::string& path);

}  // namespace skyarray::services
