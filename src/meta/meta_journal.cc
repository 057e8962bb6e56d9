#include "meta/meta_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
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
  // Preallocated zeros after the records are not a torn tail.
  size_t end = data.size();
  while (end > pos && data[end - 1] == 0) --end;
  if (end == pos) scan.file_bytes = pos;
  return scan;
}

Status MetaJournal::open(const std::vector<std::string>& dirs, uint64_t key,
                         const std::vector<uint64_t>& keep_bytes,
                         const std::vector<JournalRecord>& initial, uint64_t durable_through) {
  close();
  committer_.reset(durable_through);
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
      // Drops a torn tail (and preallocated zeros, added again below): new
      // records must follow the last valid one.
      if (::ftruncate(t.fd, static_cast<off_t>(t.size)) != 0) {
        s = Status::from_errno(errno, "truncating " + t.path);
      }
      t.allocated = t.size;
    }
    if (s.is_ok()) s = write_target(t, first);
    if (s.is_ok()) s = sync_dir(t.dir);
    if (!s.is_ok()) {
      // Kept as a failed target, so health() shows the missing copy.
      spdlog::error("metadata journal: {} left out: {}", t.dir, s.to_string());
      if (t.fd >= 0) ::close(t.fd);
      t.fd = -1;
      t.failed = true;
      if (first_error.is_ok()) first_error = s;
    }
    opened.push_back(std::move(t));
  }
  MutexLock lock(&state_mu_);
  targets_ = std::move(opened);
  start_workers();
  key_ = key;
  records_ = initial.size();
  bytes_ = first.size() + (keep_bytes.empty() ? 0 : keep_bytes.front());
  attached_ = !targets_.empty();
  bool any_live =
      std::any_of(targets_.begin(), targets_.end(), [](const Target& t) { return !t.failed; });
  if (!any_live) {
    return first_error.is_ok() ? Status::unavailable("no directory for the metadata journal")
                               : first_error;
  }
  return Status();
}

void MetaJournal::close() {
  committer_.drain();
  stop_workers();
  MutexLock lock(&state_mu_);
  for (auto& t : targets_) {
    if (t.fd >= 0) ::close(t.fd);
  }
  targets_.clear();
  attached_ = false;
}

Status MetaJournal::write_target(Target& t, const std::string& bytes) {
  if (t.size + bytes.size() > t.allocated) {
    // Zeros up to kPreallocate past these records, synced with them below.
    static const std::string zeros(1 << 20, '\0');
    uint64_t target = t.size + bytes.size() + kPreallocate;
    t.allocated = std::max(t.allocated, t.size);
    while (t.allocated < target) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), target - t.allocated));
      SKY_RETURN_IF_ERROR(write_all(t.fd, zeros.data(), n, t.allocated, t.path));
      t.allocated += n;
    }
  }
  if (bytes.empty()) {
    if (::fdatasync(t.fd) != 0) return Status::from_errno(errno, "syncing " + t.path);
    return Status();
  }
  SKY_RETURN_IF_ERROR(write_all(t.fd, bytes.data(), bytes.size(), t.size, t.path));
  if (::fdatasync(t.fd) != 0) return Status::from_errno(errno, "syncing " + t.path);
  t.size += bytes.size();
  return Status();
}

void MetaJournal::drop_target(Target& t, const Status& why) {
  size_t left = 0;
  {
    MutexLock lock(&state_mu_);
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

void MetaJournal::start_workers() {
  job_results_.assign(targets_.size(), Status());
  uint64_t gen;
  {
    MutexLock lock(&job_mu_);
    job_stop_ = false;
    gen = job_gen_;
  }
  for (size_t i = 1; i < targets_.size(); ++i) {
    workers_.emplace_back([this, i, gen] { worker_loop(i, gen); });
  }
}

void MetaJournal::stop_workers() {
  {
    MutexLock lock(&job_mu_);
    job_stop_ = true;
  }
  job_cv_.signal_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void MetaJournal::worker_loop(size_t index, uint64_t seen) {
  for (;;) {
    const std::string* bytes;
    {
      MutexLock lock(&job_mu_);
      job_cv_.wait([&] {
        job_mu_.assert_held();
        return job_stop_ || job_gen_ != seen;
      });
      if (job_stop_) return;
      seen = job_gen_;
      bytes = job_;
    }
    // A dropped target stays in targets_ (failed): skip it.
    Status s = targets_[index].failed ? Status() : write_target(targets_[index], *bytes);
    MutexLock lock(&job_mu_);
    job_results_[index] = s;
    if (--job_pending_ == 0) job_done_cv_.signal();
  }
}

Status MetaJournal::write_group(const std::string& bytes, uint64_t records) {
  {
    MutexLock lock(&job_mu_);
    job_ = &bytes;
    job_pending_ = workers_.size();
    ++job_gen_;
  }
  job_cv_.signal_all();
  if (!targets_.empty() && !targets_[0].failed) job_results_[0] = write_target(targets_[0], bytes);
  {
    MutexLock lock(&job_mu_);
    job_done_cv_.wait([&] {
      job_mu_.assert_held();
      return job_pending_ == 0;
    });
  }
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (!job_results_[i].is_ok()) {
      if (!targets_[i].failed) drop_target(targets_[i], job_results_[i]);
      job_results_[i] = Status();
    }
  }
  bool held =
      std::any_of(targets_.begin(), targets_.end(), [](const Target& t) { return !t.failed; });
  Status s;
  if (!held && fallback_sync_) s = fallback_sync_();
  MutexLock lock(&state_mu_);
  if (held) {
    records_ += records;
    bytes_ += bytes.size();
  } else {
    fallback_syncs_++;
  }
  appends_ += records;
  syncs_++;
  return s;
}

Status MetaJournal::append(uint64_t seq, std::string_view batch) {
  return committer_.submit_and_wait(seq, batch_count(batch), encode_record(seq, batch));
}

void MetaJournal::append_async(uint64_t seq, std::string_view batch, GroupCommitter::Done done) {
  committer_.submit(seq, batch_count(batch), encode_record(seq, batch), std::move(done));
}

void MetaJournal::set_fallback_sync(std::function<Status()> sync) {
  MutexLock lock(&state_mu_);
  fallback_sync_ = std::move(sync);
}

bool MetaJournal::live() const {
  MutexLock lock(&state_mu_);
  return attached_ &&
         std::any_of(targets_.begin(), targets_.end(), [](const Target& t) { return !t.failed; });
}

MetaJournalHealth MetaJournal::health() const {
  MutexLock lock(&state_mu_);
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
  h.fallback_syncs = fallback_syncs_;
  return h;
}

}  // namespace skyarray
