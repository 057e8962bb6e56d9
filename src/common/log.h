// Logging setup. Components log through spdlog directly
// (`spdlog::info("drive {} offline: {}", id, why)`); this file only decides
// where the lines go and how they look.
//
// Lines are structured: with format "json" every line is one JSON object
// {"ts","level","msg"} for log shippers; "text" is for people. Secrets
// (secret keys, signatures, session tokens) are never passed to a logger:
// use redact() when a value that might be one has to be mentioned.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray {

class ConfigSection;

struct LogOptions {
  std::string level = "info";   // trace|debug|info|warn|error|critical|off
  std::string format = "text";  // text|json
  std::string file;             // empty: stderr

  static Result<LogOptions> from_config(const ConfigSection& section);
};

Status init_logging(const LogOptions& options);

// "AKIAxxxxxxxx1234" → "AKIA…1234": enough to tell keys apart, not to use one.
std::string redact(std::string_view secret);

}  // namespace skyarray
