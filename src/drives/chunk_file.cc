#include "drives/chunk_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "common/checksum.h"
#include "drives/file_util.h"

namespace skyarray {

namespace {

constexpr char kMagic[8] = {'S', 'K', 'Y', 'C', 'H', 'U', 'N', 'K'};

template <typename T>
void put_le(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(v));  // little-endian hosts (x86-64, arm64)
}
template <typename T>
T get_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string subdir(const Drive& drive, uint64_t chunk_id) {
  char hh[3];
  std::snprintf(hh, sizeof(hh), "%02x", static_cast<unsigned>(chunk_id & 0xFF));
  return drive.chunk_dir() + "/" + hh;
}

}  // namespace

std::string ChunkFile::path(const Drive& drive, uint64_t chunk_id) {
  return subdir(drive, chunk_id) + "/" + hex16(chunk_id);
}

bool ChunkFile::parse_name(std::string_view name, uint64_t* chunk_id) {
  if (name.size() != 16) return false;
  uint64_t v = 0;
  for (char c : name) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *chunk_id = v;
  return true;
}

std::vector<uint32_t> ChunkFile::block_crcs(const uint8_t* data, size_t n) {
  std::vector<uint32_t> crcs;
  crcs.reserve((n + kBlockSize - 1) / kBlockSize);
  for (size_t off = 0; off < n; off += kBlockSize) {
    crcs.push_back(crc32c(0, data + off, std::min<size_t>(kBlockSize, n - off)));
  }
  return crcs;
}

Status ChunkFile::write(Drive& drive, uint64_t chunk_id, const uint8_t* data, size_t n,
                        const std::vector<uint32_t>& crcs, bool durable) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/true));
  if (crcs.size() > kMaxBlocks) return Status::invalid_argument("chunk too large for its header");
  static std::atomic<uint64_t> seq{0};

  alignas(64) uint8_t header[kHeaderSize] = {};
  std::memcpy(header, kMagic, 8);
  put_le<uint32_t>(header + 8, kFormatVersion);
  put_le<uint32_t>(header + 12, kHeaderSize);
  put_le<uint64_t>(header + 16, chunk_id);
  put_le<uint64_t>(header + 24, n);
  put_le<uint32_t>(header + 32, kBlockSize);
  put_le<uint32_t>(header + 36, static_cast<uint32_t>(crcs.size()));
  for (size_t i = 0; i < crcs.size(); ++i) put_le<uint32_t>(header + 40 + 4 * i, crcs[i]);
  put_le<uint32_t>(header + kHeaderSize - 4, crc32c(0, header, kHeaderSize - 4));

  std::string tmp = drive.tmp_dir() + "/" + hex16(chunk_id) + "." + std::to_string(::getpid()) +
                    "." + std::to_string(seq.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    SKY_RETURN_IF_ERROR(FileUtil::make_dirs(drive.tmp_dir()));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) return Status::from_errno(errno, "creating " + tmp);
  Status s = FileUtil::pwrite_all(fd, header, kHeaderSize, 0, tmp);
  if (s.is_ok()) s = FileUtil::pwrite_all(fd, data, n, kHeaderSize, tmp);
  if (s.is_ok() && durable && ::fdatasync(fd) != 0) {
    s = Status::from_errno(errno, "fsync of " + tmp);
  }
  if (s.is_ok() && !durable) {
    ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // start write-back; a hint only
  }
  ::close(fd);
  std::string dir = subdir(drive, chunk_id);
  std::string final_path = dir + "/" + hex16(chunk_id);
  if (s.is_ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    if (errno == ENOENT) {
      s = FileUtil::make_dirs(dir);
      if (s.is_ok()) s = FileUtil::fsync_dir(drive.chunk_dir());
      if (s.is_ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
        s = Status::from_errno(errno, "renaming " + tmp);
      }
    } else {
      s = Status::from_errno(errno, "renaming " + tmp);
    }
  }
  if (s.is_ok() && durable) s = FileUtil::fsync_dir(dir);
  if (!s.is_ok()) {
    ::unlink(tmp.c_str());
    ::unlink(final_path.c_str());
  }
  return s;
}

Status ChunkFile::sync(Drive& drive, uint64_t chunk_id) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/true));
  std::string p = path(drive, chunk_id);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening chunk " + p);
  Status s;
  if (::fdatasync(fd) != 0) s = Status::from_errno(errno, "fsync of " + p);
  ::close(fd);
  SKY_RETURN_IF_ERROR(s);
  return FileUtil::fsync_dir(subdir(drive, chunk_id));
}

Status ChunkFile::read(Drive& drive, uint64_t chunk_id, uint64_t offset, size_t n, uint8_t* out) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/false));
  std::string p = path(drive, chunk_id);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening chunk " + p);
  Status s = FileUtil::pread_all(fd, out, n, kHeaderSize + offset, p);
  ::close(fd);
  return s;
}

Result<ChunkHeader> ChunkFile::read_header(Drive& drive, uint64_t chunk_id) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/false));
  std::string p = path(drive, chunk_id);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening chunk " + p);
  alignas(64) uint8_t header[kHeaderSize];
  Status s = FileUtil::pread_all(fd, header, kHeaderSize, 0, p);
  ::close(fd);
  SKY_RETURN_IF_ERROR(s);
  if (std::memcmp(header, kMagic, 8) != 0) return Status::corruption(p + ": not a chunk file");
  if (get_le<uint32_t>(header + kHeaderSize - 4) != crc32c(0, header, kHeaderSize - 4)) {
    return Status::corruption(p + ": header checksum mismatch");
  }
  if (get_le<uint32_t>(header + 8) != kFormatVersion) {
    return Status::not_supported(p + ": unknown chunk format version");
  }
  ChunkHeader h;
  h.chunk_id = get_le<uint64_t>(header + 16);
  h.length = get_le<uint64_t>(header + 24);
  uint32_t count = get_le<uint32_t>(header + 36);
  if (count > kMaxBlocks) return Status::corruption(p + ": bad block count");
  for (uint32_t i = 0; i < count; ++i)
    h.block_crcs.push_back(get_le<uint32_t>(header + 40 + 4 * i));
  return h;
}

uint64_t ChunkFile::remove(Drive& drive, uint64_t chunk_id) {
  std::string p = path(drive, chunk_id);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  if (::unlink(p.c_str()) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace skyarray
