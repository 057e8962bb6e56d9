#include "services/cloud/cloud_config.h"

#include <cstdio>

namespace skyarray::services {

namespace {
// "HH:MM" → minutes of the day, or -1.
int parse_hhmm(std::string_view s) {
  int h = 0, m = 0;
  if (s.size() != 5 || s[2] != ':') return -1;
  if (std::sscanf(std::string(s).c_str(), "%2d:%2d", &h, &m) != 2) return -1;
  if (h < 0 || h > 23 || m < 0 || m > 59) return -1;
  return h * 60 + m;
}
}  // namespace

Status CloudTargetConfig::validate() const {
  if (name.empty() || name.size() > 64 || name.find_first_of("/\\ \0", 0, 4) != std::string::npos)
    return Status::invalid_argument("target name must be 1-64 chars without '/', '\\' or spaces");
  if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://"))
    return Status::invalid_argument("endpoint must start with http:// or https://");
  if (bucket.empty()) return Status::invalid_argument("cloud bucket is required");
  if (access_key.empty() || secret_key.empty())
    return Status::invalid_argument("access key and secret key are required");
  if (!window.empty()) {
    auto dash = window.find('-');
    if (dash == std::string::npos || parse_hhmm(window.substr(0, dash)) < 0 ||
        parse_hhmm(window.substr(dash + 1)) < 0)
      return Status::invalid_argument("window must be HH:MM-HH:MM (UTC)");
  }
  if (encryption_key_id.empty() != encryption_key.empty() ||
      (!encryption_key.empty() && encryption_key.size() != 32) ||
      encryption_key_id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status::invalid_argument("encryption key must be 32 bytes with a hex key id");
  return Status::ok();
}

bool CloudTargetConfig::in_window(int64_t unix_seconds) const {
  if (window.empty()) return true;
  auto dash = window.find('-');
  int from = parse_hhmm(window.substr(0, dash));
  int to = parse_hhmm(window.substr(dash + 1));
  int now = static_cast<int>((unix_seconds % 86400) / 60);
  if (from <= to) return now >= from && now < to;
  return now >= from || now < to;  // wraps past midnight
}

std::string_view link_mode_name(LinkMode mode) {
  switch (mode) {
    case LinkMode::kSync:
      return "sync";
    case LinkMode::kCache:
      return "cache";
    case LinkMode::kSubscribe:
      return "subscribe";
  }
  return "sync";
}

std::optional<LinkMode> parse_link_mode(std::string_view name) {
  if (name == "sync") return LinkMode::kSync;
  if (name == "cache") return LinkMode::kCache;
  if (name == "subscribe") return LinkMode::kSubscribe;
  return std::nullopt;
}

}  // namespace skyarray::services
