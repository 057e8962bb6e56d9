#include "common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace skyarray {

namespace {

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno(errno, "writing " + path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status write_private_file(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::from_errno(errno, "creating " + tmp);
  // O_CREAT's mode does not apply to a file left over from a crash.
  Status s = ::fchmod(fd, 0600) == 0 ? Status::ok() : Status::from_errno(errno, "chmod " + tmp);
  if (s.is_ok()) s = write_all(fd, content, tmp);
  if (s.is_ok() && ::fsync(fd) != 0) s = Status::from_errno(errno, "fsync " + tmp);
  ::close(fd);
  if (s.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::from_errno(errno, "renaming " + tmp);
  }
  if (!s.is_ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  std::string dir = parent_dir(path);
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return Status::from_errno(errno, "opening " + dir);
  s = ::fsync(d) == 0 ? Status::ok() : Status::from_errno(errno, "fsync " + dir);
  ::close(d);
  return s;
}

Result<std::string> read_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::from_errno(e, "stat " + path);
  }
  if (st.st_mode & 077) {
    ::close(fd);
    return Status::permission_denied(path + " may be read by others; chmod 600 it");
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Status::from_errno(e, "reading " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace skyarray
