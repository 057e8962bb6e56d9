// Cidr: an IPv4 or IPv6 address block ("10.0.0.0/8", "::1/128", or a bare
// address meaning a single host), matched against client addresses. Used by
// export rules (file shares) and anything else that admits clients by
// address. An IPv4-mapped IPv6 client address ("::ffff:10.1.2.3") matches
// IPv4 blocks.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {

class Cidr {
 public:
  // kInvalidArgument for anything but ADDRESS or ADDRESS/BITS.
  static Result<Cidr> parse(const std::string& text);
  // False for an unparsable address.
  bool contains(const std::string& address) const;
  // As parsed, normalized ("10.0.0.0/8").
  std::string to_string() const;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> net_{};
  unsigned bits_ = 0;
};

}  // namespace skyarray
