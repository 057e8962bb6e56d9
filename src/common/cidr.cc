#include "common/cidr.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/ascii.h"

namespace skyarray {

namespace {

// Parses an address into 16 bytes (IPv4 in the first 4); false when invalid.
bool parse_address(const std::string& text, bool* v6, std::array<uint8_t, 16>* out) {
  out->fill(0);
  in_addr a4{};
  if (::inet_pton(AF_INET, text.c_str(), &a4) == 1) {
    *v6 = false;
    std::memcpy(out->data(), &a4, 4);
    return true;
  }
  in6_addr a6{};
  if (::inet_pton(AF_INET6, text.c_str(), &a6) != 1) return false;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(&a6, kMapped, 12) == 0) {
    *v6 = false;
    std::memcpy(out->data(), reinterpret_cast<const uint8_t*>(&a6) + 12, 4);
    return true;
  }
  *v6 = true;
  std::memcpy(out->data(), &a6, 16);
  return true;
}

bool prefix_equal(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b,
                  unsigned bits) {
  unsigned whole = bits / 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  unsigned rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

Result<Cidr> Cidr::parse(const std::string& given) {
  std::string text(trim(given));
  Cidr c;
  auto slash = text.find('/');
  std::string addr = text.substr(0, slash);
  if (!parse_address(addr, &c.v6_, &c.net_))
    return Status::invalid_argument("bad client address block '" + given + "'");
  unsigned max = c.v6_ ? 128 : 32;
  c.bits_ = max;
  if (slash != std::string::npos) {
    auto bits = parse_u64(text.substr(slash + 1));
    if (!bits || *bits > max)
      return Status::invalid_argument("bad prefix length in '" + given + "'");
    c.bits_ = static_cast<unsigned>(*bits);
  }
  // Zero the host bits so that to_string() shows the block.
  for (unsigned i = c.bits_; i < max; ++i)
    c.net_[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
  return c;
}

bool Cidr::contains(const std::string& address) const {
  bool v6 = false;
  std::array<uint8_t, 16> a{};
  if (!parse_address(address, &v6, &a) || v6 != v6_) return false;
  return prefix_equal(a, net_, bits_);
}

std::string Cidr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  ::inet_ntop(v6_ ? AF_INET6 : AF_INET, net_.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits_);
}

}  // namespace skyarray
