#include "services/audit/audit_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/encoding.h"
#include "common/file_util.h"
#include "common/runtime.h"

namespace skyarray::services::audit {

namespace {

constexpr std::string_view kPrefix = "segment-";
constexpr std::string_view kSuffix = ".log";

Status write_all(int fd, std::string_view bytes, const std::string& what) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno(errno, "writing " + what);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

AuditRecord record_of(const AuditEvent& e) {
  AuditRecord r;
  r.type = e.door == AuditEvent::Door::kS3 ? "s3" : "admin";
  r.op = e.op;
  r.user = e.user;
  r.access_key = e.access_key;
  r.source = e.source;
  r.bucket = e.bucket;
  r.object = e.object;
  r.status = e.status;
  r.bytes_in = e.bytes_in;
  r.bytes_out = e.bytes_out;
  r.request_id = e.request_id;
  return r;
}

// The complete lines of `text` (an incomplete last one is left out).
std::vector<std::string_view> complete_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', start)) {
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::string AuditLog::segment_name(uint64_t number) {
  return std::string(kPrefix) + hex_u64(number) + std::string(kSuffix);
}

AuditLog::AuditLog(Runtime& runtime, AuditOptions options)
    : runtime_(runtime), options_(std::move(options)) {}

Result<std::unique_ptr<AuditLog>> AuditLog::open(Runtime& runtime, AuditOptions options) {
  std::unique_ptr<AuditLog> log(new AuditLog(runtime, std::move(options)));
  SKY_RETURN_IF_ERROR(FileUtil::make_dirs(log->options_.dir));
  if (::chmod(log->options_.dir.c_str(), 0700) != 0) {
    return Status::from_errno(errno, "chmod " + log->options_.dir);
  }
  SKY_RETURN_IF_ERROR(log->recover());
  log->syncer_ = std::thread([l = log.get()] { l->sync_loop(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.signal_all();
  }
  if (syncer_.joinable()) syncer_.join();
}

AuditLog::Counters AuditLog::counters() const {
  MutexLock lock(&mu_);
  Counters c = counters_;
  c.segment = active_.number;
  return c;
}

uint64_t AuditLog::active_segment() const {
  MutexLock lock(&mu_);
  return active_.number;
}

Result<std::vector<uint64_t>> AuditLog::list_segments(const std::string& dir) {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) continue;
    auto number = parse_hex_u64(std::string_view(name).substr(
        kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size()));
    if (number && *number > 0) out.push_back(*number);
  }
  if (ec) return Status::from_errno(ec.value(), "listing " + dir);
  std::sort(out.begin(), out.end());
  return out;
}

// Finds where the last run stopped: the last record of the newest segment
// (an empty newest segment is dropped), seals that segment if the run
// ended without sealing it, and starts the next one.
Status AuditLog::recover() {
  MutexLock lock(&mu_);
  last_hash_ = std::string(kGenesisHash);
  SKY_ASSIGN_OR_RETURN(std::vector<uint64_t> numbers, list_segments(options_.dir));
  while (!numbers.empty()) {
    const uint64_t number = numbers.back();
    const std::string path = options_.dir + "/" + segment_name(number);
    SKY_ASSIGN_OR_RETURN(std::string text, FileUtil::read_file(path, UINT64_MAX));
    const size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    const uint64_t torn = text.size() - keep;
    if (torn > 0) {
      spdlog::warn("audit: cutting {} bytes of an incomplete last record off {}", torn, path);
      if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) {
        return Status::from_errno(errno, "truncating " + path);
      }
    }
    std::vector<std::string_view> lines = complete_lines(std::string_view(text).substr(0, keep));
    if (lines.empty()) {
      if (::unlink(path.c_str()) != 0) return Status::from_errno(errno, "removing " + path);
      numbers.pop_back();
      continue;
    }
    // The last readable record gives the chain's end (an edited line after
    // it stays for verify to report).
    std::optional<AuditRecord> last;
    for (auto it = lines.rbegin(); it != lines.rend() && !last; ++it) {
      auto parsed = parse_audit_line(*it);
      if (parsed.is_ok()) last = parsed->record;
    }
    if (!last) return Status::corruption(path + " holds no readable audit record");
    last_hash_ = last->hash;
    next_seq_ = last->seq + 1;
    written_seq_ = synced_seq_ = last->seq;
    if (last->type == "seal" && torn == 0) return start_segment(number + 1);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return Status::from_errno(errno, "opening " + path);
    active_ = Segment{number, std::make_shared<UniqueFd>(fd), keep, lines.size(),
                      std::chrono::system_clock::now()};
    SKY_RETURN_IF_ERROR(seal_and_start_next(torn));
    if (::fdatasync(retired_.back()->get()) != 0) return Status::from_errno(errno, path);
    retired_.clear();
    return Status::ok();
  }
  return start_segment(1);
}

Result<UniqueFd> AuditLog::create_segment(uint64_t number) const {
  const std::string path = options_.dir + "/" + segment_name(number);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::from_errno(errno, "creating " + path);
  return UniqueFd(fd);
}

Status AuditLog::start_segment(uint64_t number) {
  SKY_ASSIGN_OR_RETURN(UniqueFd fd, create_segment(number));
  active_ = Segment{number, std::make_shared<UniqueFd>(std::move(fd)), 0, 0,
                    std::chrono::system_clock::now()};
  dir_dirty_ = true;
  return Status::ok();
}

Status AuditLog::write_record(AuditRecord& r) {
  r.seq = next_seq_;
  r.segment = active_.number;
  r.prev = last_hash_;
  r.time = format_iso8601(std::chrono::system_clock::now());
  std::string line = encode_audit_record(r);
  line += '\n';
  Status s = write_all(active_.fd->get(), line, segment_name(active_.number));
  if (!s.is_ok()) {
    // A partial line would break the chain for every later record: cut it.
    if (::ftruncate(active_.fd->get(), static_cast<off_t>(active_.size)) != 0) {
      spdlog::error("audit: could not cut a partly written record: {}", std::strerror(errno));
    }
    return s;
  }
  ++next_seq_;
  ++counters_.records;
  last_hash_ = r.hash;
  written_seq_ = r.seq;
  active_.size += line.size();
  ++active_.records;
  return Status::ok();
}

// The next segment is created first: if that fails, nothing is sealed and
// records go on into the current one.
Status AuditLog::seal_and_start_next(uint64_t torn) {
  const uint64_t next = active_.number + 1;
  SKY_ASSIGN_OR_RETURN(UniqueFd fd, create_segment(next));
  AuditRecord seal;
  seal.type = "seal";
  seal.records = active_.records;
  seal.torn = torn;
  Status s = write_record(seal);
  if (!s.is_ok()) {
    ::unlink((options_.dir + "/" + segment_name(next)).c_str());
    return s;
  }
  retired_.push_back(active_.fd);
  active_ = Segment{next, std::make_shared<UniqueFd>(std::move(fd)), 0, 0,
                    std::chrono::system_clock::now()};
  dir_dirty_ = true;
  return Status::ok();
}

Result<uint64_t> AuditLog::append(const AuditEvent& event, const CommitTicket* synced) {
  AuditRecord r = record_of(event);
  MutexLock lock(&mu_);
  const auto age = std::chrono::system_clock::now() - active_.opened;
  if (active_.records > 0 && (active_.size >= options_.segment_size ||
                              age >= std::chrono::duration<double>(options_.segment_seconds))) {
    Status s = seal_and_start_next(0);
    if (!s.is_ok()) spdlog::error("audit: could not seal a segment: {}", s.to_string());
  }
  Status s = write_record(r);
  if (!s.is_ok()) {
    ++counters_.write_errors;
    return s;
  }
  if (synced) {
    waiting_.push_back({r.seq, *synced});
    cv_.signal_all();
  }
  return r.seq;
}

Task<Status> AuditLog::record(AuditEvent event) {
  if (!event.mutating) {
    auto seq = append(event, nullptr);
    co_return seq.status();
  }
  CommitTicket synced;
  auto seq = append(event, &synced);
  if (!seq.is_ok()) co_return seq.status();
  co_return co_await synced.wait();
}

Status AuditLog::sync() {
  CommitTicket synced;
  {
    MutexLock lock(&mu_);
    waiting_.push_back({written_seq_, synced});
    cv_.signal_all();
  }
  return synced.wait_blocking();
}

// Group sync: everything written when a round starts is synced by it, and
// every waiter whose record it covers is completed together.
void AuditLog::sync_loop() {
  MutexLock lock(&mu_);
  for (;;) {
    if (waiting_.empty() && retired_.empty() && !stop_) {
      cv_.wait_for(kIdleSync, [&] {
        mu_.assert_held();
        return stop_ || !waiting_.empty();
      });
    }
    if (written_seq_ == synced_seq_ && retired_.empty() && !dir_dirty_ && waiting_.empty()) {
      if (stop_) return;
      continue;
    }
    const uint64_t target = written_seq_;
    std::vector<std::shared_ptr<UniqueFd>> files = std::move(retired_);
    retired_.clear();
    files.push_back(active_.fd);
    const bool dir = std::exchange(dir_dirty_, false);
    lock.unlock();
    Status s;
    for (const auto& f : files) {
      if (s.is_ok() && ::fdatasync(f->get()) != 0) s = Status::from_errno(errno, "syncing audit");
    }
    if (s.is_ok() && dir) s = FileUtil::fsync_dir(options_.dir);
    lock.lock();
    if (s.is_ok()) {
      synced_seq_ = std::max(synced_seq_, target);
    } else {
      ++counters_.sync_errors;
      spdlog::error("audit: {}", s.to_string());
    }
    std::vector<Waiter> done;
    const uint64_t synced = synced_seq_;
    auto covered = [&](const Waiter& w) { return !s.is_ok() || w.seq <= synced; };
    for (auto& w : waiting_) {
      if (covered(w)) done.push_back(w);
    }
    std::erase_if(waiting_, covered);
    lock.unlock();
    for (auto& w : done) w.ticket.complete(s);
    lock.lock();
  }
}

Task<Result<AuditVerifyReport>> AuditLog::verify() {
  co_return co_await runtime_.blocking([this] { return verify_blocking(); });
}

Result<AuditVerifyReport> AuditLog::verify_blocking() {
  AuditHead head;
  uint64_t active = 0, active_size = 0;
  {
    MutexLock lock(&mu_);
    head = AuditHead{written_seq_, last_hash_};
    active = active_.number;
    active_size = active_.size;
  }
  SKY_ASSIGN_OR_RETURN(std::vector<uint64_t> numbers, list_segments(options_.dir));
  AuditChain chain;
  for (uint64_t n : numbers) {
    if (n > active) break;  // started after the snapshot
    SKY_ASSIGN_OR_RETURN(std::string text,
                         FileUtil::read_file(options_.dir + "/" + segment_name(n), UINT64_MAX));
    if (n == active && text.size() > active_size) text.resize(active_size);
    chain.add_segment(n, text, n == active);
  }
  return chain.finish(head);
}

Result<AuditVerifyReport> AuditLog::verify_dir(const std::string& dir) {
  SKY_ASSIGN_OR_RETURN(std::vector<uint64_t> numbers, list_segments(dir));
  if (numbers.empty()) return Status::not_found("no audit segments in " + dir);
  AuditChain chain;
  for (uint64_t n : numbers) {
    SKY_ASSIGN_OR_RETURN(std::string text,
                         FileUtil::read_file(dir + "/" + segment_name(n), UINT64_MAX));
    chain.add_segment(n, text, n == numbers.back());
  }
  return chain.finish(std::nullopt);
}

Task<Result<AuditPage>> AuditLog::export_since(Timestamp since, uint64_t after_seq, size_t limit) {
  co_return co_await runtime_.blocking(
      [this, since, after_seq, limit] { return export_blocking(since, after_seq, limit); });
}

Result<AuditPage> AuditLog::export_blocking(Timestamp since, uint64_t after_seq, size_t limit) {
  SKY_ASSIGN_OR_RETURN(std::vector<uint64_t> numbers, list_segments(options_.dir));
  AuditPage page;
  for (uint64_t n : numbers) {
    const std::string path = options_.dir + "/" + segment_name(n);
    // A file last written before `since` holds nothing as recent.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 &&
        from_ns(int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec) < since) {
      continue;
    }
    SKY_ASSIGN_OR_RETURN(std::string text, FileUtil::read_file(path, UINT64_MAX));
    for (std::string_view line : complete_lines(text)) {
      auto parsed = parse_audit_line(line);
      if (!parsed.is_ok() || parsed->record.seq <= after_seq) continue;
      auto time = parse_iso8601(parsed->record.time);
      if (!time || *time < since) continue;
      if (page.lines.size() == limit) {
        page.more = true;
        return page;
      }
      page.lines.emplace_back(line);
      page.next_after = parsed->record.seq;
    }
  }
  return page;
}

}  // namespace skyarray::services::audit
