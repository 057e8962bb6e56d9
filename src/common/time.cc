#include "common/time.h"

#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/ascii.h"

namespace skyarray {

std::string format_http_date(Timestamp t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::optional<Timestamp> parse_http_date(std::string_view s) {
  std::string str(trim(s));
  for (const char* fmt :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(str.c_str(), fmt, &tm);
    // Years beyond 2200 would overflow system_clock's nanoseconds.
    if (end != nullptr && *end == 0 && tm.tm_year >= 70 && tm.tm_year <= 300) {
      return std::chrono::system_clock::from_time_t(timegm(&tm));
    }
  }
  return std::nullopt;
}

std::string format_iso8601(Timestamp t) {
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms < 0 ? 0 : ms));
  return std::string(buf, n) + frac;
}

std::optional<Timestamp> parse_iso8601(std::string_view s) {
  std::string str(trim(s));
  std::tm tm{};
  const char* p = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr || tm.tm_year < 70 || tm.tm_year > 300) return std::nullopt;
  int64_t nanos = 0;
  if (*p == '.') {
    ++p;
    int64_t scale = 100000000;
    if (*p < '0' || *p > '9') return std::nullopt;
    for (; *p >= '0' && *p <= '9'; ++p) {
      nanos += (*p - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1;
    int hh = 0, mm = 0;
    if (std::sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || std::strlen(p + 1) != 5 || hh > 23 ||
        mm > 59) {
      return std::nullopt;
    }
    offset_s = sign * (hh * 3600 + mm * 60);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (*p != 0) return std::nullopt;
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm) - offset_s);
  return t + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                 std::chrono::nanoseconds(nanos));
}

}  // namespace skyarray
