// Wall-clock time as stored and shown: a system_clock time point, persisted
// as signed nanoseconds since the Unix epoch (covers 1678..2262).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skyarray {

using Timestamp = std::chrono::system_clock::time_point;

inline int64_t to_ns(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline Timestamp from_ns(int64_t ns) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::nanoseconds(ns)));
}

// Text forms of a Timestamp, in UTC.
// RFC 7231 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(Timestamp t);
// Accepts IMF-fixdate, RFC 850 and asctime formats.
std::optional<Timestamp> parse_http_date(std::string_view s);
// "2009-10-12T17:50:30.000Z".
std::string format_iso8601(Timestamp t);
// "2009-10-12T17:50:30Z", with optional fraction of a second and "Z" or a
// "+hh:mm"/"-hh:mm" offset. nullopt otherwise.
std::optional<Timestamp> parse_iso8601(std::string_view s);

}  // namespace skyarray
