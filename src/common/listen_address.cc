#include "common/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace skyarray {

Result<ListenAddress> ListenAddress::parse(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return Status::invalid_argument("listen: expected HOST:PORT, got '" + listen + "'");
  ListenAddress a;
  a.host = listen.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "0.0.0.0";
  if (a.host == "localhost") a.host = "127.0.0.1";
  unsigned port = 0;
  auto ps = std::string_view(listen).substr(colon + 1);
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ps.empty() || ec != std::errc() || p != ps.data() + ps.size() || port > 65535)
    return Status::invalid_argument("listen: bad port in '" + listen + "'");
  a.port = static_cast<uint16_t>(port);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, a.host.c_str(), buf) != 1 &&
      ::inet_pton(AF_INET6, a.host.c_str(), buf) != 1) {
    return Status::invalid_argument("listen: bad address '" + a.host + "' (use an IP address)");
  }
  return a;
}

}  // namespace skyarray
