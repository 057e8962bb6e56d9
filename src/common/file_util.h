// FileUtil: the few POSIX file operations every durable write is made of.
//
// Durability recipe used throughout the engine: write to a temp name,
// fsync the file, rename to the final name, fsync the directory. Each helper
// returns a Status built from errno naming the path.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {

class FileUtil {
 public:
  static Status fsync_dir(const std::string& dir);
  static Status make_dirs(const std::string& dir);
  // Writes `bytes` to `path` durably via `path`.tmp + rename + dir fsync;
  // the file gets `mode` from its first byte on.
  static Status write_file_durably(const std::string& path, std::string_view bytes,
                                   mode_t mode = 0644);
  static Result<std::string> read_file(const std::string& path, uint64_t max_bytes = 1 << 20);
  // Full pwrite/pread loops (EINTR and short transfers handled).
  static Status pwrite_all(int fd, const void* data, size_t n, uint64_t offset,
                           const std::string& what);
  static Status pread_all(int fd, void* data, size_t n, uint64_t offset, const std::string& what);
};

}  // namespace skyarray
