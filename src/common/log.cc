#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "common/config.h"

namespace skyarray {

namespace {

// %j: the message as a JSON string body (quotes, backslashes and control
// characters escaped), so a hostile object key cannot break a log line.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static const char* kHex = "0123456789abcdef";
    for (char c : msg.payload) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(c);
      } else if (u < 0x20) {
        const char esc[] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
        dest.append(esc, esc + sizeof(esc));
      } else {
        dest.push_back(c);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

Result<LogOptions> LogOptions::from_config(const ConfigSection& section) {
  LogOptions o;
  SKY_RETURN_IF_ERROR(section.read("level", &o.level));
  SKY_RETURN_IF_ERROR(section.read("format", &o.format));
  SKY_RETURN_IF_ERROR(section.read("file", &o.file));
  if (spdlog::level::from_str(o.level) == spdlog::level::off && o.level != "off") {
    return Status::invalid_argument("log.level: unknown level '" + o.level +
                                    "' (trace, debug, info, warn, error, critical, off)");
  }
  if (o.format != "text" && o.format != "json") {
    return Status::invalid_argument("log.format: expected \"text\" or \"json\", got '" + o.format +
                                    "'");
  }
  return o;
}

Status init_logging(const LogOptions& options) {
  // Allows re-init. Dropping after set_default_logger() would also reset the
  // default logger (spdlog drops it when the names match).
  spdlog::drop("skyarray");
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (options.file.empty()) {
      logger = spdlog::stderr_color_mt("skyarray");
    } else {
      logger = spdlog::basic_logger_mt("skyarray", options.file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Status::io_error(std::string("opening log: ") + e.what());
  }
  if (options.format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","thread":%t,"msg":"%j"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return Status::ok();
}

std::string redact(std::string_view secret) {
  if (secret.size() <= 8) return std::string(secret.size(), '*');
  return std::string(secret.substr(0, 4)) + "..." + std::string(secret.substr(secret.size() - 4));
}

}  // namespace skyarray
