#include "drives/chunk_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "common/buffer.h"
#include "common/checksum.h"
#include "common/encoding.h"
#include "common/file_util.h"

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

// Where the block CRCs start in each format version.
constexpr size_t kV1Crcs = 40;
constexpr size_t kV2Crcs = 64;
// Direct I/O wants buffer addresses, lengths and offsets in whole logical
// blocks; 4 KiB covers every drive in use.
constexpr size_t kDirectAlign = 4096;

std::string subdir(const Drive& drive, uint64_t chunk_id) {
  char hh[3];
  std::snprintf(hh, sizeof(hh), "%02x", static_cast<unsigned>(chunk_id & 0xFF));
  return drive.chunk_dir() + "/" + hh;
}

int open_tmp(Drive& drive, const std::string& tmp, bool direct) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (direct ? O_DIRECT : 0);
  int fd = ::open(tmp.c_str(), flags, 0644);
  if (fd < 0 && errno == ENOENT && FileUtil::make_dirs(drive.tmp_dir()).is_ok()) {
    fd = ::open(tmp.c_str(), flags, 0644);
  }
  return fd;
}

// Writes header + data at offset 0. With `direct`, the header and the
// data's 4 KiB-aligned prefix go in one direct write; the tail, or all of it
// when the file system refuses direct writes (EINVAL), through the cache.
Status write_contents(int fd, bool direct, const uint8_t* header, const uint8_t* data, size_t n,
                      const std::string& tmp) {
  constexpr size_t kHeader = ChunkFile::kHeaderSize;
  size_t done = 0;  // data bytes on disk
  bool header_done = false;
  if (direct) {
    const size_t aligned = n & ~(kDirectAlign - 1);
    iovec iov[2] = {{const_cast<uint8_t*>(header), kHeader}, {const_cast<uint8_t*>(data), aligned}};
    ssize_t w;
    do {
      w = ::pwritev(fd, iov, 2, 0);
    } while (w < 0 && errno == EINTR);
    if (w == static_cast<ssize_t>(kHeader + aligned)) {
      header_done = true;
      done = aligned;
    } else if (w < 0 && errno != EINVAL) {
      return Status::from_errno(errno, "writing " + tmp);
    }
    // Anything not written directly (a short write included) is rewritten
    // whole through the page cache.
    int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || ::fcntl(fd, F_SETFL, fl & ~O_DIRECT) != 0) {
      return Status::from_errno(errno, "leaving direct I/O on " + tmp);
    }
  }
  if (!header_done) SKY_RETURN_IF_ERROR(FileUtil::pwrite_all(fd, header, kHeader, 0, tmp));
  return FileUtil::pwrite_all(fd, data + done, n - done, kHeader + done, tmp);
}

}  // namespace

std::string ChunkFile::path(const Drive& drive, uint64_t chunk_id) {
  return subdir(drive, chunk_id) + "/" + hex_u64(chunk_id);
}

bool ChunkFile::parse_name(std::string_view name, uint64_t* chunk_id) {
  std::optional<uint64_t> v = parse_hex_u64(name);
  if (!v) return false;
  *chunk_id = *v;
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

Status ChunkFile::encode_header(const ChunkHeader& h, uint8_t* out) {
  const size_t count = h.block_crcs.size();
  if (count > kMaxBlocks) return Status::invalid_argument("chunk too large for its header");
  if (count != (h.length + kBlockSize - 1) / kBlockSize) {
    return Status::invalid_argument("chunk block CRCs do not cover its length");
  }
  if (h.owner.tag.size() > kMaxOwnerSize) {
    return Status::invalid_argument("chunk owner tag longer than " + std::to_string(kMaxOwnerSize) +
                                    " bytes");
  }
  std::memset(out, 0, kHeaderSize);
  std::memcpy(out, kMagic, 8);
  put_le<uint32_t>(out + 8, kFormatVersion);
  put_le<uint32_t>(out + 12, kHeaderSize);
  put_le<uint64_t>(out + 16, h.chunk_id);
  put_le<uint64_t>(out + 24, h.length);
  put_le<uint32_t>(out + 32, kBlockSize);
  put_le<uint32_t>(out + 36, static_cast<uint32_t>(count));
  put_le<uint64_t>(out + 40, h.owner.index);
  put_le<uint64_t>(out + 48, h.owner.offset);
  put_le<uint32_t>(out + 56, static_cast<uint32_t>(h.owner.tag.size()));
  for (size_t i = 0; i < count; ++i) put_le<uint32_t>(out + kV2Crcs + 4 * i, h.block_crcs[i]);
  if (!h.owner.tag.empty()) {
    std::memcpy(out + kV2Crcs + 4 * count, h.owner.tag.data(), h.owner.tag.size());
  }
  put_le<uint32_t>(out + kHeaderSize - 4, crc32c(0, out, kHeaderSize - 4));
  return Status();
}

Result<ChunkHeader> ChunkFile::parse_header(const uint8_t* p) {
  if (std::memcmp(p, kMagic, 8) != 0) return Status::corruption("not a chunk file");
  if (get_le<uint32_t>(p + kHeaderSize - 4) != crc32c(0, p, kHeaderSize - 4)) {
    return Status::corruption("chunk header checksum mismatch");
  }
  ChunkHeader h;
  h.version = get_le<uint32_t>(p + 8);
  if (h.version != 1 && h.version != 2) {
    return Status::not_supported("unknown chunk format version " + std::to_string(h.version));
  }
  if (get_le<uint32_t>(p + 12) != kHeaderSize || get_le<uint32_t>(p + 32) != kBlockSize) {
    return Status::corruption("chunk header names another header or block size");
  }
  h.chunk_id = get_le<uint64_t>(p + 16);
  h.length = get_le<uint64_t>(p + 24);
  const uint64_t count = get_le<uint32_t>(p + 36);
  if (count != (h.length + kBlockSize - 1) / kBlockSize) {
    return Status::corruption("chunk header block count does not match its length");
  }
  size_t crcs_at = kV1Crcs;
  size_t end = crcs_at + 4 * count;
  if (h.version == 2) {
    crcs_at = kV2Crcs;
    const uint64_t owner_size = get_le<uint32_t>(p + 56);
    end = crcs_at + 4 * count + owner_size;
    if (owner_size > kMaxOwnerSize || end > kHeaderSize - 4) {
      return Status::corruption("chunk header owner tag does not fit");
    }
    h.owner.index = get_le<uint64_t>(p + 40);
    h.owner.offset = get_le<uint64_t>(p + 48);
    h.owner.tag.assign(reinterpret_cast<const char*>(p + crcs_at + 4 * count), owner_size);
  }
  if (end > kHeaderSize - 4) return Status::corruption("chunk header block count does not fit");
  h.block_crcs.reserve(count);
  for (uint64_t i = 0; i < count; ++i)
    h.block_crcs.push_back(get_le<uint32_t>(p + crcs_at + 4 * i));
  return h;
}

Status ChunkFile::write(Drive& drive, uint64_t chunk_id, const uint8_t* data, size_t n,
                        const std::vector<uint32_t>& crcs, bool durable, const ChunkOwner& owner) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/true));
  static std::atomic<uint64_t> seq{0};

  // A Buffer, not the stack: direct I/O needs the header 4 KiB-aligned too.
  Buffer header(kHeaderSize);
  header.resize(kHeaderSize);
  ChunkHeader h;
  h.chunk_id = chunk_id;
  h.length = n;
  h.block_crcs = crcs;
  h.owner = owner;
  SKY_RETURN_IF_ERROR(encode_header(h, header.data()));

  std::string tmp = drive.tmp_dir() + "/" + hex_u64(chunk_id) + "." + std::to_string(::getpid()) +
                    "." + std::to_string(seq.fetch_add(1));
  bool direct = n >= kDirectAlign && reinterpret_cast<uintptr_t>(data) % kDirectAlign == 0;
  int fd = open_tmp(drive, tmp, direct);
  if (fd < 0 && direct && errno == EINVAL) {  // the file system has no direct I/O
    direct = false;
    fd = open_tmp(drive, tmp, false);
  }
  if (fd < 0) return Status::from_errno(errno, "creating " + tmp);
  Status s = write_contents(fd, direct, header.data(), data, n, tmp);
  if (s.is_ok() && durable && ::fdatasync(fd) != 0) {
    s = Status::from_errno(errno, "fsync of " + tmp);
  }
  if (s.is_ok() && !durable) {
    ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // start write-back; a hint only
  }
  ::close(fd);
  std::string dir = subdir(drive, chunk_id);
  std::string final_path = dir + "/" + hex_u64(chunk_id);
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

Result<UniqueFd> ChunkFile::open_for_read(Drive& drive, uint64_t chunk_id) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/false));
  std::string p = path(drive, chunk_id);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno(errno, "opening chunk " + p);
  return fd;
}

Status ChunkFile::read(Drive& drive, uint64_t chunk_id, uint64_t offset, size_t n, uint8_t* out) {
  SKY_ASSIGN_OR_RETURN(UniqueFd fd, open_for_read(drive, chunk_id));
  return FileUtil::pread_all(fd.get(), out, n, kHeaderSize + offset, path(drive, chunk_id));
}

void ChunkFile::prefetch(Drive& drive, uint64_t chunk_id, uint64_t offset, size_t n) {
  if (!drive.check_fault(/*is_write=*/false).is_ok()) return;
  int fd = ::open(path(drive, chunk_id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::posix_fadvise(fd, static_cast<off_t>(kHeaderSize + offset), static_cast<off_t>(n),
                        POSIX_FADV_WILLNEED);
  ::close(fd);
}

Result<ChunkHeader> ChunkFile::read_header(Drive& drive, uint64_t chunk_id) {
  SKY_RETURN_IF_ERROR(drive.check_fault(/*is_write=*/false));
  return read_header_file(path(drive, chunk_id));
}

Result<ChunkHeader> ChunkFile::read_header_file(const std::string& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening chunk " + p);
  Buffer header(kHeaderSize);
  header.resize(kHeaderSize);
  Status s = FileUtil::pread_all(fd, header.data(), kHeaderSize, 0, p);
  ::close(fd);
  SKY_RETURN_IF_ERROR(s);
  auto h = parse_header(header.data());
  if (!h.is_ok()) return Status(h.status().code(), p + ": " + h.status().message());
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
