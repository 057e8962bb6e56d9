#include "meta/group_committer.h"

#include <algorithm>

namespace skyarray {

GroupCommitter::GroupCommitter(Sink sink) : sink_(std::move(sink)), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  work_cv_.signal_all();
  thread_.join();
}

void GroupCommitter::reset(uint64_t durable_through) {
  MutexLock lock(&mu_);
  durable_ = durable_through;
  failed_ = Status();
}

void GroupCommitter::submit(uint64_t seq, uint32_t count, std::string record, Done done) {
  {
    MutexLock lock(&mu_);
    queue_.push_back({seq, count, std::move(record), std::move(done)});
    submitted_++;
  }
  work_cv_.signal();
}

Status GroupCommitter::submit_and_wait(uint64_t seq, uint32_t count, std::string record) {
  Mutex m;
  CondVar cv(&m);
  bool finished = false;
  Status out;
  submit(seq, count, std::move(record), [&](Status s) {
    MutexLock lock(&m);
    out = std::move(s);
    finished = true;
    cv.signal();
  });
  MutexLock lock(&m);
  cv.wait([&] { return finished; });
  return out;
}

void GroupCommitter::drain() {
  MutexLock lock(&mu_);
  const uint64_t target = submitted_;
  idle_cv_.wait([&] {
    mu_.assert_held();
    return completed_ >= target;
  });
}

uint64_t GroupCommitter::durable() const {
  MutexLock lock(&mu_);
  return durable_;
}

void GroupCommitter::run() {
  MutexLock lock(&mu_);
  for (;;) {
    work_cv_.wait([&] {
      mu_.assert_held();
      return stop_ || !queue_.empty();
    });
    if (queue_.empty()) return;  // stop_, and everything submitted is done
    std::vector<Item> group;
    group.swap(queue_);
    Status written = failed_;
    lock.unlock();
    if (written.is_ok()) {
      std::string bytes;
      if (group.size() == 1) {
        bytes = std::move(group[0].record);
      } else {
        size_t total = 0;
        for (const auto& item : group) total += item.record.size();
        bytes.reserve(total);
        for (const auto& item : group) bytes += item.record;
      }
      written = sink_(bytes, group.size());
    }
    Ready ready;
    lock.lock();
    complete_group(group, written, &ready);
    completed_ += ready.size();
    lock.unlock();
    for (auto& [done, status] : ready) done(std::move(status));
    lock.lock();
    idle_cv_.signal_all();
  }
}

// Under mu_: moves the group into waiting_ (or fails it) and collects, in
// sequence order, every record now covered by the durable prefix.
void GroupCommitter::complete_group(std::vector<Item>& group, const Status& written, Ready* ready) {
  if (!written.is_ok()) {
    if (failed_.is_ok()) failed_ = written;
    for (auto& [seq, item] : waiting_) ready->emplace_back(std::move(item.done), failed_);
    waiting_.clear();
    for (auto& item : group) ready->emplace_back(std::move(item.done), failed_);
    return;
  }
  std::sort(group.begin(), group.end(), [](const Item& a, const Item& b) { return a.seq < b.seq; });
  for (auto& item : group) {
    if (item.count == 0 || item.seq + item.count - 1 <= durable_) {
      ready->emplace_back(std::move(item.done), Status());
    } else {
      uint64_t seq = item.seq;
      waiting_.emplace(seq, std::move(item));
    }
  }
  for (auto it = waiting_.begin(); it != waiting_.end() && it->first <= durable_ + 1;
       it = waiting_.erase(it)) {
    durable_ = std::max(durable_, it->first + it->second.count - 1);
    ready->emplace_back(std::move(it->second.done), Status());
  }
}

}  // namespace skyarray
