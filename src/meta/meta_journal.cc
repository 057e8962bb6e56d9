#include "meta/meta_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/checksum.h"

namespace skyarray {

namespace fs = std::filesystem;

namespace {

constexpr size_t kRecordHeader = 16;
constexpr size_t kBatchHeader = 12;  // WriteBatch rep: fixed64 seq, fixed32 count
constexpr uint32_t kMaxBatch = 1u << 30;
constexpr std::string_view kSuffix = ".mjl";

void put32(char* p, uint32_t v) {
  std::memcpy(p, &v, 4);  // little-endian hosts only, as the rest of the formats
}
void put64(char* p, uint64_t v) {
  std::memcpy(p, &v, 8);
}
uint32_t get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

Status write_all(int fd, const char* data, size_t n, uint64_t offset, const std::string& what) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::from_errno(errno, "writing " + what);
    if (w == 0) return Status::io_error("writing " + what + ": no progress");
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return Status();
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening " + dir);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return r == 0 ? Status() : Status::from_errno(err, "syncing " + dir);
}

}  // namespace

MetaJournal::~MetaJournal() {
  close();
}

std::string MetaJournal::segment_name(uint64_t key) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu", static_cast<unsigned long long>(key));
  return std::string(name) + std::string(kSuffix);
}

bool MetaJournal::parse_segment_name(std::string_view name, uint64_t* key) {
  if (name.size() != 20 + kSuffix.size() || name.substr(20) != kSuffix) return false;
  uint64_t v = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *key = v;
  return true;
}

std::map<uint64_t, std::string> MetaJournal::list_segments(const std::string& dir) {
  std::map<uint64_t, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    uint64_t key = 0;
    if (parse_segment_name(e.path().filename().string(), &key)) out[key] = e.path().string();
  }
  return out;
}

std::string MetaJournal::encode_record(uint64_t seq, std::string_view batch) {
  std::string r(kRecordHeader, '\0');
  put32(&r[4], static_cast<uint32_t>(batch.size()));
  put64(&r[8], seq);
  r.append(batch);
  put32(&r[0], crc32c(0, r.data() + 4, r.size() - 4));
  return r;
}

uint32_t MetaJournal::batch_count(std::string_view batch) {
  return batch.size() < kBatchHeader ? 0 : get32(batch.data() + 8);
}

Result<JournalSegmentScan> MetaJournal::read_segment(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::corruption(path + " is not a regular file");
  }
  std::string data;
  data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  Status status;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Status::from_errno(errno, "reading " + path);
      break;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  SKY_RETURN_IF_ERROR(status);
  JournalSegmentScan scan;
  scan.file_bytes = data.size();
  size_t pos = 0;
  while (data.size() - pos >= kRecordHeader) {
    const char* h = data.data() + pos;
    uint32_t len = get32(h + 4);
    if (len < kBatchHeader || len > kMaxBatch || data.size() - pos - kRecordHeader < len) break;
    if (crc32c(0, h + 4, kRecordHeader - 4 + len) != get32(h)) break;
    JournalRecord rec;
    rec.seq = get64(h + 8);
    rec.batch.assign(h + kRecordHeader, len);
    rec.count = batch_count(rec.batch);
    if (rec.count == 0) break;
    scan.records.push_back(std::move(rec));
    pos += kRecordHeader + len;
  }
  scan.valid_bytes = pos;
  return scan;
}

Status MetaJournal::open(const std::vector<std::string>& dirs, uint64_t key,
                         const std::vector<uint64_t>& keep_bytes,
                         const std::vector<JournalRecord>& initial) {
  close();
  std::string first;
  for (const auto& r : initial) first += encode_record(r.seq, r.batch);
  std::vector<Target> opened;
  Status first_error;
  for (size_t i = 0; i < dirs.size(); ++i) {
    Target t;
    t.dir = dirs[i];
    t.path = dirs[i] + "/" + segment_name(key);
    bool resume = i < keep_bytes.size();
    std::error_code ec;
    fs::create_directories(t.dir, ec);
    Status s = ec ? Status::from_errno(ec.value(), "creating " + t.dir) : Status();
    if (s.is_ok()) {
      int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC);
      t.fd = ::open(t.path.c_str(), flags, 0644);
      if (t.fd < 0) s = Status::from_errno(errno, "opening " + t.path);
    }
    if (s.is_ok() && resume) {
      t.size = keep_bytes[i];
      // Drops a torn tail: new records must follow the last valid one.
      if (::ftruncate(t.fd, static_cast<off_t>(t.size)) != 0) {
        s = Status::from_errno(errno, "truncating " + t.path);
      }
    }
    if (s.is_ok()) s = write_target(t, first);
    if (s.is_ok()) s = sync_dir(t.dir);
    if (!s.is_ok()) {
      spdlog::error("metadata journal: {} left out: {}", t.dir, s.to_string());
      if (t.fd >= 0) ::close(t.fd);
      if (first_error.is_ok()) first_error = s;
      continue;
    }
    opened.push_back(std::move(t));
  }
  std::lock_guard lock(state_mu_);
  targets_ = std::move(opened);
  key_ = key;
  records_ = initial.size();
  bytes_ = first.size() + (keep_bytes.empty() ? 0 : keep_bytes.front());
  attached_ = !targets_.empty();
  if (!attached_) {
    return first_error.is_ok() ? Status::unavailable("no directory for the metadata journal")
                               : first_error;
  }
  return Status();
}

void MetaJournal::close() {
  std::lock_guard lock(state_mu_);
  for (auto& t : targets_) {
    if (t.fd >= 0) ::close(t.fd);
  }
  targets_.clear();
  attached_ = false;
}

Status MetaJournal::write_target(Target& t, const std::string& bytes) {
  if (bytes.empty()) return Status();
  SKY_RETURN_IF_ERROR(write_all(t.fd, bytes.data(), bytes.size(), t.size, t.path));
  if (::fdatasync(t.fd) != 0) return Status::from_errno(errno, "syncing " + t.path);
  t.size += bytes.size();
  return Status();
}

void MetaJournal::drop_target(Target& t, const Status& why) {
  size_t left = 0;
  {
    std::lock_guard lock(state_mu_);
    t.failed = true;
    ::close(t.fd);
    t.fd = -1;
    for (const auto& o : targets_) left += o.failed ? 0 : 1;
  }
  spdlog::error("metadata journal copy in {} dropped: {}; {} copies left", t.dir, why.to_string(),
                left);
  if (left == 0) {
    spdlog::error(
        "metadata protection degraded: no journal copy left; commits since the last "
        "checkpoint exist only on the metadata drive until the next checkpoint");
  }
}

void MetaJournal::write_group(const std::string& bytes, uint64_t records) {
  std::vector<Target*> live;
  {
    std::lock_guard lock(state_mu_);
    for (auto& t : targets_) {
      if (!t.failed) live.push_back(&t);
    }
  }
  // One thread per extra target: the drives sync in parallel.
  std::vector<Status> results(live.size());
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < live.size(); ++i) {
    helpers.emplace_back([&, i] { results[i] = write_target(*live[i], bytes); });
  }
  if (!live.empty()) results[0] = write_target(*live[0], bytes);
  for (auto& h : helpers) h.join();
  for (size_t i = 0; i < live.size(); ++i) {
    if (!results[i].is_ok()) drop_target(*live[i], results[i]);
  }
  std::lock_guard lock(state_mu_);
  records_ += records;
  appends_ += records;
  bytes_ += bytes.size();
  syncs_++;
}

void MetaJournal::append(uint64_t seq, std::string_view batch) {
  std::string record = encode_record(seq, batch);
  Waiter self{&record};
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&self);
  while (!self.done) {
    if (writing_) {
      queue_cv_.wait(lock);
      continue;
    }
    // Leader: take everything queued, including this record.
    writing_ = true;
    std::vector<Waiter*> group;
    group.swap(queue_);
    lock.unlock();
    std::string bytes;
    if (group.size() == 1) {
      bytes = std::move(record);
    } else {
      for (auto* w : group) bytes += *w->record;
    }
    write_group(bytes, group.size());
    lock.lock();
    for (auto* w : group) w->done = true;
    writing_ = false;
    queue_cv_.notify_all();
  }
}

MetaJournalHealth MetaJournal::health() const {
  std::lock_guard lock(state_mu_);
  MetaJournalHealth h;
  h.attached = attached_;
  h.segment = key_;
  for (const auto& t : targets_) {
    h.targets.push_back(t.dir);
    if (t.failed) h.failed.push_back(t.dir);
  }
  h.bytes = bytes_;
  h.records = records_;
  h.syncs = syncs_;
  h.appends = appends_;
  return h;
}

}  // namespace skyarray
