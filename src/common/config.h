// Config: the TOML configuration file, read by the components that use it.
//
// Each component declares its own options next to its code, as a typed
// struct with `static Result<Options> from_config(const ConfigSection&)`, and
// reads them through a ConfigSection. The loader remembers every key read, so
// after all components have read their sections, check_all_used() reports a
// key nobody knows (a typo) with its file and line. Type and range errors name
// the key and line too, e.g.
//   skyarray.toml:12: store.replicas: expected an integer in [1, 16], got "three"
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyarray {

// A duration as the config reads one: a number of seconds, or "500ms",
// "30s", "5m", "2h", "1d". nullopt when unreadable.
std::optional<double> parse_duration_seconds(std::string_view text);

class ConfigDocument;

// A view of one table of the document ([section] or [[array]] entry). Cheap
// to copy. A section that is absent from the file reads as empty: every
// read() leaves the default in place.
class ConfigSection {
 public:
  // Each read leaves *out unchanged when the key is absent, and fails with
  // kInvalidArgument naming the key and line when the value has the wrong
  // type or range.
  Status read(std::string_view key, std::string* out) const;
  Status read(std::string_view key, bool* out) const;
  Status read(std::string_view key, int64_t* out, int64_t min, int64_t max) const;
  Status read(std::string_view key, double* out, double min, double max) const;
  Status read(std::string_view key, std::vector<std::string>* out) const;
  // A byte size: an integer, or a string with a unit ("64KiB", "8 MiB",
  // "1G", "500M": binary units) within [min, max].
  Status read_size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max) const;
  // A duration: a number of seconds, or a string "500ms", "30s", "5m", "2h", "1d".
  Status read_seconds(std::string_view key, double* out, double min, double max) const;

  // A sub-table; absent → empty section. Error if the key holds a non-table.
  Result<ConfigSection> section(std::string_view key) const;
  // An array of tables ([[key]]); absent → empty vector.
  Result<std::vector<ConfigSection>> array(std::string_view key) const;

  bool has(std::string_view key) const;
  // Dotted path of this section ("store", "drive[2]"), for messages.
  const std::string& path() const { return path_; }

 private:
  friend class ConfigDocument;
  friend class Config;
  ConfigSection(std::shared_ptr<ConfigDocument> doc, const void* table, std::string path)
      : doc_(std::move(doc)), table_(table), path_(std::move(path)) {}
  std::string where(std::string_view key) const;  // "file:line: path.key"
  const void* find(std::string_view key) const;   // marks the key used

  std::shared_ptr<ConfigDocument> doc_;
  const void* table_ = nullptr;  // toml::table*, or nullptr when absent
  std::string path_;
};

// A parsed file. Keep it alive while sections are in use (sections share it).
class Config {
 public:
  // An empty configuration (all defaults).
  Config();
  static Result<Config> parse(std::string_view text, std::string origin = "<config>");
  static Result<Config> load(const std::string& path);

  ConfigSection root() const;
  // Fails naming the first key that no component read, with its line.
  Status check_all_used() const;

 private:
  std::shared_ptr<ConfigDocument> doc_;
};

}  // namespace skyarray
