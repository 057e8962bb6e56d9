#include "common/space_reserve.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>

namespace skyarray {

SpaceUsage SpaceReserve::usage(uint64_t quota_used) const {
  SpaceUsage s;
  struct statvfs vfs {};
  uint64_t fs_free = 0, fs_size = 0;
  if (::statvfs(path_.c_str(), &vfs) == 0) {
    // f_bavail: what an unprivileged writer may take; root's own reserve
    // (ext4's 5 %) is not ours to plan with.
    fs_free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    fs_size = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  }
  if (quota_ != 0) {
    s.capacity = quota_;
    s.used = quota_used;
    fs_free = std::min(fs_free, quota_ > quota_used ? quota_ - quota_used : 0);
  } else {
    s.capacity = fs_size;
    s.used = fs_size > fs_free ? fs_size - fs_free : 0;
  }
  s.free = fs_free;
  s.available = fs_free > reserve_ ? fs_free - reserve_ : 0;
  return s;
}

std::string human_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  return buf;
}

}  // namespace skyarray
