#include "services/files/file_writeback.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "services/objects/object_service.h"

namespace asio = boost::asio;

namespace skyarray::services {

namespace {

constexpr size_t kPiece = 1 << 20;

using Extents = std::map<uint64_t, std::string>;

// Lays `data` at `off` over the extents, merging what overlaps or touches.
void put_extent(Extents* m, uint64_t off, std::string data) {
  uint64_t end = off + data.size();
  auto it = m->upper_bound(off);
  if (it != m->begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size() >= off) it = prev;
  }
  uint64_t start = off;
  std::string prefix, suffix;
  while (it != m->end() && it->first <= end) {
    uint64_t s = it->first, e = s + it->second.size();
    if (s < off) {
      prefix = it->second.substr(0, off - s);
      start = s;
    }
    if (e > end) suffix = it->second.substr(end - s);
    it = m->erase(it);
  }
  (*m)[start] = prefix + data + suffix;
}

void cut_extents(Extents* m, uint64_t size) {
  for (auto it = m->begin(); it != m->end();) {
    if (it->first >= size) {
      it = m->erase(it);
      continue;
    }
    if (it->first + it->second.size() > size) it->second.resize(size - it->first);
    ++it;
  }
}

const Caller& system_caller() {
  static const Caller c{"", true, false};
  return c;
}

void set_times(std::map<std::string, std::string>* meta, int64_t mtime_ns) {
  (*meta)["file-mtime"] = std::to_string(mtime_ns) + "ns";
  (*meta)["file-ctime"] = std::to_string(mtime_ns) + "ns";
}

}  // namespace

struct FileWriteback::OpenFile {
  std::string bucket;
  std::string key;
  Extents extents;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t staged_bytes = 0;
  bool dirty = false;
  bool busy = false;  // a flush holds the file
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
};

struct FileWriteback::Pending {
  std::string bucket;
  std::string key;
  Extents extents;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

FileWriteback::FileWriteback(ObjectService& objects, uint64_t flush_threshold)
    : objects_(objects), flush_threshold_(flush_threshold) {}

FileWriteback::~FileWriteback() = default;

FileWriteback::OpenFile& FileWriteback::open_file(uint64_t id, const std::string& bucket,
                                                  const std::string& key, uint64_t size) {
  auto& f = files_[id];
  if (!f) f = std::make_unique<OpenFile>();
  if (!f->dirty) {
    f->bucket = bucket;
    f->key = key;
    f->size = size;
  }
  return *f;
}

bool FileWriteback::stage(uint64_t id, const std::string& bucket, const std::string& key,
                          uint64_t size, uint64_t offset, std::string data, int64_t now_ns) {
  MutexLock lock(&mu_);
  OpenFile& f = open_file(id, bucket, key, size);
  f.size = std::max(f.size, offset + data.size());
  f.staged_bytes += data.size();
  put_extent(&f.extents, offset, std::move(data));
  f.mtime_ns = now_ns;
  f.dirty = true;
  return f.staged_bytes >= flush_threshold_;
}

void FileWriteback::resize(uint64_t id, const std::string& bucket, const std::string& key,
                           uint64_t size, uint64_t new_size, int64_t now_ns) {
  MutexLock lock(&mu_);
  OpenFile& f = open_file(id, bucket, key, size);
  cut_extents(&f.extents, new_size);
  f.size = new_size;
  f.mtime_ns = now_ns;
  f.dirty = true;
}

std::optional<FileWriteback::Staged> FileWriteback::staged(uint64_t id) const {
  MutexLock lock(&mu_);
  auto it = files_.find(id);
  if (it == files_.end() || !it->second->dirty) return std::nullopt;
  return Staged{it->second->size, it->second->mtime_ns};
}

void FileWriteback::forget(uint64_t id) {
  MutexLock lock(&mu_);
  auto it = files_.find(id);
  if (it == files_.end()) return;
  it->second->extents.clear();
  it->second->dirty = false;
}

Task<void> FileWriteback::lock_file(uint64_t id) {
  auto exec = co_await asio::this_coro::executor;
  for (;;) {
    std::shared_ptr<asio::steady_timer> wait;
    {
      MutexLock lock(&mu_);
      auto& f = files_[id];
      if (!f) f = std::make_unique<OpenFile>();
      if (!f->busy) {
        f->busy = true;
        co_return;
      }
      wait = std::make_shared<asio::steady_timer>(exec, asio::steady_timer::time_point::max());
      f->waiters.push_back(wait);
    }
    // Woken by unlock_file() cancelling the timer on this coroutine's loop.
    co_await wait->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void FileWriteback::unlock_file(uint64_t id) {
  MutexLock lock(&mu_);
  auto it = files_.find(id);
  if (it == files_.end()) return;
  OpenFile& f = *it->second;
  f.busy = false;
  for (auto& w : f.waiters) asio::post(w->get_executor(), [w] { w->cancel(); });
  f.waiters.clear();
  if (!f.dirty) files_.erase(it);
}

Task<Status> FileWriteback::flush(uint64_t id) {
  co_await lock_file(id);
  Pending p;
  {
    MutexLock lock(&mu_);
    OpenFile& f = *files_[id];
    if (f.dirty) {
      p = Pending{f.bucket, f.key, std::move(f.extents), f.size, f.mtime_ns};
      f.extents.clear();
      f.staged_bytes = 0;
      f.dirty = false;
    }
  }
  // Nothing staged: unlock without publishing. (No co_await inside a
  // conditional expression: GCC 12 destroys its temporaries twice.)
  Status s;
  if (!p.bucket.empty()) s = co_await publish(p);
  if (!s.is_ok()) {
    // Keep the writes staged (those made since the flush began win).
    MutexLock lock(&mu_);
    OpenFile& f = *files_[id];
    Extents newer = std::move(f.extents);
    f.extents = std::move(p.extents);
    for (auto& [off, data] : newer) put_extent(&f.extents, off, std::move(data));
    if (!f.dirty) f.size = p.size;
    f.dirty = true;
  }
  unlock_file(id);
  co_return s;
}

Task<void> FileWriteback::flush_idle(int64_t now_ns, int64_t idle_ns) {
  std::vector<uint64_t> idle;
  {
    MutexLock lock(&mu_);
    for (const auto& [id, f] : files_) {
      if (f->dirty && !f->busy && now_ns - f->mtime_ns >= idle_ns) idle.push_back(id);
    }
  }
  for (uint64_t id : idle) (void)co_await flush(id);
}

Task<Status> FileWriteback::publish(const Pending& p) {
  GetOptions head_opts;
  auto cur = co_await objects_.reads().head_object(system_caller(), p.bucket, p.key, head_opts);
  if (!cur.is_ok() && cur.status().code() != StatusCode::kNotFound) co_return cur.status();
  std::optional<ObjectInfo> info;
  if (cur.is_ok()) info = std::move(*cur);
  if (info && !info->evicted && info->size >= kAppendMin && p.extents.size() == 1 &&
      p.extents.begin()->first == info->size &&
      info->size + p.extents.begin()->second.size() == p.size) {
    co_return co_await append(p, *info);
  }
  co_return co_await rewrite(p, info);
}

Task<Status> FileWriteback::append(const Pending& p, const ObjectInfo& cur) {
  PutOptions o;
  o.append_position = cur.size;
  o.user_metadata = cur.user_metadata;
  o.content = cur.content;
  auto w = co_await objects_.writes().put_object(system_caller(), p.bucket, p.key, o);
  if (!w.is_ok()) co_return w.status();
  const std::string& data = p.extents.begin()->second;
  for (size_t off = 0; off < data.size(); off += kPiece) {
    auto piece = std::string_view(data).substr(off, kPiece);
    SKY_CO_RETURN_IF_ERROR(co_await (*w)->write(Buffer::copy_of(piece)));
  }
  auto done = co_await (*w)->commit();
  if (!done.is_ok()) co_return done.status();
  // An append keeps the first version's metadata: set the new times.
  CopyOptions c;
  c.metadata_directive = MetadataDirective::kReplace;
  c.replace.user_metadata = cur.user_metadata;
  set_times(&c.replace.user_metadata, p.mtime_ns);
  c.replace.content = cur.content;
  auto copied =
      co_await objects_.writes().copy_object(system_caller(), p.bucket, p.key, p.bucket, p.key, c);
  co_return copied.status();
}

Task<Status> FileWriteback::rewrite(const Pending& p, const std::optional<ObjectInfo>& cur) {
  PutOptions o;
  if (cur) {
    o.user_metadata = cur->user_metadata;
    o.content = cur->content;
  }
  set_times(&o.user_metadata, p.mtime_ns);
  o.expected_size = p.size;
  auto w = co_await objects_.writes().put_object(system_caller(), p.bucket, p.key, o);
  if (!w.is_ok()) co_return w.status();
  uint64_t old_size = cur ? std::min(cur->size, p.size) : 0;
  std::unique_ptr<ObjectReader> reader;
  if (old_size > 0) {
    GetOptions g;
    g.range = ByteRange{0, old_size - 1, std::nullopt};
    auto r = co_await objects_.reads().get_object(system_caller(), p.bucket, p.key, g);
    if (!r.is_ok()) co_return r.status();
    reader = std::move(*r);
  }
  std::string carry;  // old bytes read but not yet used
  for (uint64_t pos = 0; pos < p.size; pos += kPiece) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, p.size - pos));
    std::string piece(n, '\0');
    // Old bytes of [pos, pos + n).
    size_t old_n = pos < old_size ? static_cast<size_t>(std::min<uint64_t>(n, old_size - pos)) : 0;
    while (carry.size() < old_n) {
      auto b = co_await reader->read(kPiece);
      if (!b.is_ok()) co_return b.status();
      if (b->empty()) co_return Status::io_error("object shorter than its size");
      carry.append(b->view());
    }
    piece.replace(0, old_n, carry, 0, old_n);
    carry.erase(0, old_n);
    // Staged extents over them.
    auto it = p.extents.upper_bound(pos);
    if (it != p.extents.begin()) --it;
    for (; it != p.extents.end() && it->first < pos + n; ++it) {
      uint64_t s = std::max(it->first, pos);
      uint64_t e = std::min(it->first + it->second.size(), pos + n);
      if (s >= e) continue;
      piece.replace(s - pos, e - s, it->second, s - it->first, e - s);
    }
    SKY_CO_RETURN_IF_ERROR(co_await (*w)->write(Buffer::copy_of(piece)));
  }
  auto done = co_await (*w)->commit();
  co_return done.status();
}

}  // namespace skyarray::services
