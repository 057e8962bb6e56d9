#include "common/private_file.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/file_util.h"

namespace skyarray {

Status write_private_file(const std::string& path, std::string_view content) {
  return FileUtil::write_file_durably(path, content, 0600);
}

Result<std::string> read_private_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::from_errno(errno, "stat " + path);
  if (st.st_mode & 077) {
    return Status::permission_denied(path + " may be read by others; chmod 600 it");
  }
  return FileUtil::read_file(path);
}

}  // namespace skyarray
