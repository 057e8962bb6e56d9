#include "meta/key_codec.h"

namespace skyarray {

namespace {
constexpr char kEscape = '\xFF';
constexpr char kTerminator = '\x01';
}  // namespace

void KeyCodec::append_string(std::string* out, std::string_view s) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back(kEscape);
  }
  out->push_back('\0');
  out->push_back(kTerminator);
}

void KeyCodec::append_u64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

KeyCodec& KeyCodec::add_raw(std::string_view bytes) {
  key_.append(bytes);
  return *this;
}

KeyCodec& KeyCodec::add_string(std::string_view s) {
  append_string(&key_, s);
  return *this;
}

KeyCodec& KeyCodec::add_string_prefix(std::string_view s) {
  for (char c : s) {
    key_.push_back(c);
    if (c == '\0') key_.push_back(kEscape);
  }
  return *this;
}

KeyCodec& KeyCodec::add_u64(uint64_t v) {
  append_u64(&key_, v);
  return *this;
}

KeyCodec& KeyCodec::add_inverted_u64(uint64_t v) {
  append_u64(&key_, ~v);
  return *this;
}

std::string KeyCodec::prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xFF) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

bool KeyReader::skip_raw(std::string_view expected) {
  if (in_.substr(0, expected.size()) != expected) {
    in_ = {};
    return false;
  }
  in_.remove_prefix(expected.size());
  return true;
}

bool KeyReader::read_string(std::string* out) {
  out->clear();
  for (size_t i = 0; i < in_.size(); ++i) {
    char c = in_[i];
    if (c != '\0') {
      out->push_back(c);
      continue;
    }
    if (i + 1 >= in_.size()) break;
    char next = in_[i + 1];
    if (next == kEscape) {
      out->push_back('\0');
      ++i;
    } else if (next == kTerminator) {
      in_.remove_prefix(i + 2);
      return true;
    } else {
      break;
    }
  }
  in_ = {};
  return false;
}

bool KeyReader::read_u64(uint64_t* out) {
  if (in_.size() < 8) {
    in_ = {};
    return false;
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in_[i]);
  in_.remove_prefix(8);
  *out = v;
  return true;
}

bool KeyReader::read_inverted_u64(uint64_t* out) {
  uint64_t v = 0;
  if (!read_u64(&v)) return false;
  *out = ~v;
  return true;
}

}  // namespace skyarray
