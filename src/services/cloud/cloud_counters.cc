#include "services/cloud/cloud_counters.h"

namespace skyarray::services {

namespace {
constexpr auto kRateWindow = std::chrono::seconds(10);
}

void CloudCounters::note_upload(uint64_t bytes, uint64_t objects) {
  MutexLock lock(&mu_);
  counters_.uploaded_objects += objects;
  counters_.uploaded_bytes += bytes;
  auto now = std::chrono::steady_clock::now();
  recent_uploads_.emplace_back(now, bytes);
  while (!recent_uploads_.empty() && recent_uploads_.front().first < now - kRateWindow)
    recent_uploads_.pop_front();
}

void CloudCounters::note_deleted() {
  MutexLock lock(&mu_);
  counters_.deleted_objects++;
}

void CloudCounters::note_error(const Status& s) {
  note_error(s.to_string());
}

void CloudCounters::note_error(std::string message) {
  MutexLock lock(&mu_);
  counters_.errors++;
  counters_.last_error = std::move(message);
}

void CloudCounters::note_evicted(uint64_t objects, uint64_t bytes) {
  MutexLock lock(&mu_);
  counters_.evicted_objects += objects;
  counters_.evicted_bytes += bytes;
}

void CloudCounters::note_read_through(uint64_t bytes) {
  MutexLock lock(&mu_);
  counters_.read_through_bytes += bytes;
}

void CloudCounters::note_recached(uint64_t bytes) {
  MutexLock lock(&mu_);
  counters_.recached_objects++;
  counters_.recached_bytes += bytes;
}

CloudSyncStatus CloudCounters::snapshot() const {
  MutexLock lock(&mu_);
  CloudSyncStatus out = counters_;
  auto horizon = std::chrono::steady_clock::now() - kRateWindow;
  uint64_t recent = 0;
  for (const auto& [t, n] : recent_uploads_) {
    if (t >= horizon) recent += n;
  }
  out.upload_rate = static_cast<double>(recent) / 10.0;
  return out;
}

}  // namespace skyarray::services
