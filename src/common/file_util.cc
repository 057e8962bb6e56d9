#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace skyarray {

Status FileUtil::fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening directory " + dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::from_errno(err, "fsync of directory " + dir);
  return Status();
}

Status FileUtil::make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::from_errno(ec.value(), "creating directory " + dir);
  return Status();
}

Status FileUtil::write_file_durably(const std::string& path, std::string_view bytes, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::from_errno(errno, "creating " + tmp);
  // O_CREAT's mode does not apply to a temp file left over from a crash.
  Status s = ::fchmod(fd, mode) == 0 ? Status() : Status::from_errno(errno, "chmod " + tmp);
  if (s.is_ok()) s = pwrite_all(fd, bytes.data(), bytes.size(), 0, tmp);
  if (s.is_ok() && ::fsync(fd) != 0) s = Status::from_errno(errno, "fsync of " + tmp);
  ::close(fd);
  if (s.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::from_errno(errno, "renaming " + tmp);
  }
  if (!s.is_ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return fsync_dir(std::filesystem::path(path).parent_path().string());
}

Result<std::string> FileUtil::read_file(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening " + path);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::from_errno(err, "reading " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Status::invalid_argument(path + " is larger than expected");
    }
  }
  ::close(fd);
  return out;
}

Status FileUtil::pwrite_all(int fd, const void* data, size_t n, uint64_t offset,
                            const std::string& what) {
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::from_errno(errno, "writing " + what);
    p += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return Status();
}

Status FileUtil::pread_all(int fd, void* data, size_t n, uint64_t offset, const std::string& what) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::from_errno(errno, "reading " + what);
    if (r == 0) return Status::corruption(what + " is shorter than recorded");
    p += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return Status();
}

}  // namespace skyarray
