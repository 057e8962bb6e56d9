#include "common/config.h"

#include <toml++/toml.h>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "common/ascii.h"

namespace skyarray {

// The parsed document plus the set of nodes some component has read.
class ConfigDocument {
 public:
  toml::table table;
  std::string origin;
  std::set<const toml::node*> used;
  std::set<const toml::table*> opened;  // sections some component looked into

  std::string where(const toml::node* node, const std::string& path) const {
    std::string s = origin;
    if (node != nullptr && node->source().begin.line != 0) {
      s += ":" + std::to_string(node->source().begin.line);
    }
    return s + ": " + path;
  }
};

namespace {

const toml::table* as_table(const void* p) {
  return static_cast<const toml::table*>(p);
}

std::string describe(const toml::node& node) {
  std::ostringstream os;
  if (node.is_string()) {
    os << '"' << node.value_or(std::string_view()) << '"';
  } else if (node.is_table()) {
    os << "a table";
  } else if (node.is_array()) {
    os << "an array";
  } else {
    node.visit([&os](auto&& v) {
      if constexpr (toml::is_value<decltype(v)>) os << v;
    });
  }
  return os.str();
}

// Parses "<number><unit>" where unit is matched case-insensitively against
// the table; returns false on any malformed input.
bool parse_with_unit(std::string_view text,
                     const std::vector<std::pair<std::string, double>>& units, double* out) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t start = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == start) return false;
  double number = 0;
  try {
    number = std::stod(std::string(text.substr(start, i - start)));
  } catch (...) {
    return false;
  }
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = ascii_lower(text.substr(i));
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  for (const auto& [name, scale] : units) {
    if (unit == name) {
      *out = number * scale;
      return std::isfinite(*out);
    }
  }
  return false;
}

const std::vector<std::pair<std::string, double>>& size_units() {
  static const std::vector<std::pair<std::string, double>> units = {{"", 1},
                                                                    {"b", 1},
                                                                    {"k", 1024.0},
                                                                    {"kb", 1024.0},
                                                                    {"kib", 1024.0},
                                                                    {"m", 1048576.0},
                                                                    {"mb", 1048576.0},
                                                                    {"mib", 1048576.0},
                                                                    {"g", 1073741824.0},
                                                                    {"gb", 1073741824.0},
                                                                    {"gib", 1073741824.0},
                                                                    {"t", 1099511627776.0},
                                                                    {"tb", 1099511627776.0},
                                                                    {"tib", 1099511627776.0}};
  return units;
}

const std::vector<std::pair<std::string, double>>& time_units() {
  static const std::vector<std::pair<std::string, double>> units = {
      {"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400}};
  return units;
}

}  // namespace

std::string ConfigSection::where(std::string_view key) const {
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  const toml::node* node = table_ ? as_table(table_)->get(key) : nullptr;
  return doc_->where(node, path);
}

const void* ConfigSection::find(std::string_view key) const {
  if (table_ == nullptr) return nullptr;
  const toml::node* node = as_table(table_)->get(key);
  if (node != nullptr) doc_->used.insert(node);
  return node;
}

bool ConfigSection::has(std::string_view key) const {
  return table_ != nullptr && as_table(table_)->contains(key);
}

Status ConfigSection::read(std::string_view key, std::string* out) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  if (!node->is_string()) {
    return Status::invalid_argument(where(key) + ": expected a string, got " + describe(*node));
  }
  *out = node->value_or(std::string());
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, bool* out) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  if (!node->is_boolean()) {
    return Status::invalid_argument(where(key) + ": expected true or false, got " +
                                    describe(*node));
  }
  *out = node->value_or(false);
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, int64_t* out, int64_t min, int64_t max) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  auto value = node->value<int64_t>();
  if (!node->is_integer() || !value || *value < min || *value > max) {
    return Status::invalid_argument(where(key) + ": expected an integer in [" +
                                    std::to_string(min) + ", " + std::to_string(max) + "], got " +
                                    describe(*node));
  }
  *out = *value;
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, double* out, double min, double max) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  auto value = node->value<double>();
  if (!(node->is_number()) || !value || *value < min || *value > max) {
    std::ostringstream os;
    os << where(key) << ": expected a number in [" << min << ", " << max << "], got "
       << describe(*node);
    return Status::invalid_argument(os.str());
  }
  *out = *value;
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, std::vector<std::string>* out) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  const toml::array* arr = node->as_array();
  std::vector<std::string> values;
  if (arr != nullptr) {
    for (const auto& item : *arr) {
      if (!item.is_string()) {
        arr = nullptr;
        break;
      }
      values.push_back(item.value_or(std::string()));
    }
  }
  if (arr == nullptr) {
    return Status::invalid_argument(where(key) + ": expected an array of strings");
  }
  *out = std::move(values);
  return Status::ok();
}

Status ConfigSection::read_size(std::string_view key, uint64_t* out, uint64_t min,
                                uint64_t max) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  double bytes = -1;
  if (node->is_integer()) {
    bytes = static_cast<double>(node->value_or<int64_t>(-1));
  } else if (node->is_string()) {
    if (!parse_with_unit(node->value_or(std::string_view()), size_units(), &bytes)) bytes = -1;
  }
  if (bytes < static_cast<double>(min) || bytes > static_cast<double>(max) ||
      bytes != std::floor(bytes)) {
    return Status::invalid_argument(where(key) + ": expected a size in [" + std::to_string(min) +
                                    ", " + std::to_string(max) +
                                    "] bytes (e.g. 65536 or \"64KiB\"), got " + describe(*node));
  }
  *out = static_cast<uint64_t>(bytes);
  return Status::ok();
}

std::optional<double> parse_duration_seconds(std::string_view text) {
  double seconds = -1;
  if (!parse_with_unit(text, time_units(), &seconds)) return std::nullopt;
  return seconds;
}

Status ConfigSection::read_seconds(std::string_view key, double* out, double min,
                                   double max) const {
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return Status::ok();
  double seconds = -1;
  bool ok = false;
  if (node->is_number()) {
    seconds = node->value_or(-1.0);
    ok = true;
  } else if (node->is_string()) {
    ok = parse_with_unit(node->value_or(std::string_view()), time_units(), &seconds);
  }
  if (!ok || seconds < min || seconds > max) {
    std::ostringstream os;
    os << where(key) << ": expected a duration in [" << min << "s, " << max
       << "s] (e.g. 30 or \"500ms\", \"5m\"), got " << describe(*node);
    return Status::invalid_argument(os.str());
  }
  *out = seconds;
  return Status::ok();
}

Result<ConfigSection> ConfigSection::section(std::string_view key) const {
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return ConfigSection(doc_, nullptr, path);
  const toml::table* t = node->as_table();
  if (t == nullptr)
    return Status::invalid_argument(where(key) + ": expected a table [" + path + "]");
  doc_->opened.insert(t);
  return ConfigSection(doc_, t, path);
}

Result<std::vector<ConfigSection>> ConfigSection::array(std::string_view key) const {
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  std::vector<ConfigSection> out;
  auto* node = static_cast<const toml::node*>(find(key));
  if (node == nullptr) return out;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    return Status::invalid_argument(where(key) + ": expected an array of tables [[" + path + "]]");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::table* t = arr->get(i)->as_table();
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (t == nullptr) {
      return Status::invalid_argument(doc_->where(arr->get(i), item_path) + ": expected a table");
    }
    doc_->opened.insert(t);
    out.push_back(ConfigSection(doc_, t, item_path));
  }
  return out;
}

Config::Config() : doc_(std::make_shared<ConfigDocument>()) {
  doc_->origin = "<defaults>";
}

Result<Config> Config::parse(std::string_view text, std::string origin) {
  Config config;
  config.doc_->origin = origin;
  try {
    config.doc_->table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status::invalid_argument(origin + ":" + std::to_string(e.source().begin.line) + ":" +
                                    std::to_string(e.source().begin.column) +
                                    ": invalid TOML: " + std::string(e.description()));
  }
  return config;
}

Result<Config> Config::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::from_errno(errno, "reading config " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

ConfigSection Config::root() const {
  doc_->opened.insert(&doc_->table);
  return ConfigSection(doc_, &doc_->table, "");
}

namespace {

Status check_table(const ConfigDocument& doc, const toml::table& table, const std::string& path) {
  for (const auto& [key, node] : table) {
    std::string child = path.empty() ? std::string(key.str()) : path + "." + std::string(key.str());
    if (doc.used.count(&node) == 0) {
      return Status::invalid_argument(doc.where(&node, child) + ": unknown key");
    }
    if (const toml::table* t = node.as_table()) {
      SKY_RETURN_IF_ERROR(check_table(doc, *t, child));
    } else if (const toml::array* a = node.as_array()) {
      for (size_t i = 0; i < a->size(); ++i) {
        if (const toml::table* t = a->get(i)->as_table(); t && doc.opened.count(t)) {
          SKY_RETURN_IF_ERROR(check_table(doc, *t, child + "[" + std::to_string(i) + "]"));
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace

Status Config::check_all_used() const {
  return check_table(*doc_, doc_->table, "");
}

}  // namespace skyarray
