// ListenAddress: "HOST:PORT" as written in the configuration's `listen`
// keys ("127.0.0.1:2049", "[::1]:2049", ":2049" for every address).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {

struct ListenAddress {
  std::string host;  // an IP address ("0.0.0.0" when empty; "localhost" → 127.0.0.1)
  uint16_t port = 0;

  // kInvalidArgument naming the value when it is not HOST:PORT.
  static Result<ListenAddress> parse(const std::string& listen);
};

}  // namespace skyarray
