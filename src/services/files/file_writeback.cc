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

// Lays the staged extents over `piece`, the bytes [pos, pos + size) of the file.
void overlay(std::string* piece, uint64_t pos, const Extents& extents) {
  const uint64_t end = pos + piece->size();
  auto it = extents.upper_bound(pos);
  if (it != extents.begin()) --it;
  for (; it != extents.end() && it->first < end; ++it) {
    uint64_t s = std::max(it->first, pos);
    uint64_t e = std::min(it->first + it->second.size(), end);
    if (s >= e) continue;
    piece->replace(s - pos, e - s, it->second, s - it->first, e - s);
  }
}

bool touches(const Extents& extents, uint64_t start, uint64_t end) {
  auto it = extents.lower_bound(start);
  if (it != extents.end() && it->first < end) return true;
  if (it == extents.begin()) return false;
  --it;
  return it->first + it->second.size() > start;
}

// The pieces of a patched version (ObjectPatch): the file cut in aligned
// windows of `window` bytes; a window that a staged extent touches, or that
// reaches past the old size, is written whole, every other one is shared.
std::vector<PatchPiece> plan_patch(const Extents& extents, uint64_t old_size, uint64_t new_size,
                                   uint64_t window, uint64_t* written) {
  std::vector<PatchPiece> pieces;
  *written = 0;
  for (uint64_t start = 0; start < new_size; start += window) {
    const uint64_t end = std::min(start + window, new_size);
    const bool rewrite = end > old_size || touches(extents, start, end);
    if (rewrite) *written += end - start;
    if (!pieces.empty() && pieces.back().from_base == !rewrite) {
      pieces.back().length += end - start;
    } else {
      pieces.push_back(PatchPiece{!rewrite, start, end - start});
    }
  }
  return pieces;
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
  Status failure;     // of the last flush, when it kept the writes staged
  Status dropped;     // writes a flush dropped, not yet reported to a commit
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
};

struct FileWriteback::Pending {
  std::string bucket;
  std::string key;
  Extents extents;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t staged_bytes = 0;
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

Result<bool> FileWriteback::stage(uint64_t id, const std::string& bucket, const std::string& key,
                                  uint64_t size, uint64_t offset, std::string data,
                                  int64_t now_ns) {
  MutexLock lock(&mu_);
  OpenFile& f = open_file(id, bucket, key, size);
  if (!f.failure.is_ok() && f.staged_bytes >= flush_threshold_) return f.failure;
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
  it->second->staged_bytes = 0;
  it->second->dropped = Status::ok();
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
  if (!f.dirty && f.dropped.is_ok()) files_.erase(it);
}

Task<Status> FileWriteback::flush(uint64_t id, bool commit) {
  co_await lock_file(id);
  Pending p;
  {
    MutexLock lock(&mu_);
    OpenFile& f = *files_[id];
    if (f.dirty) {
      p = Pending{f.bucket, f.key, std::move(f.extents), f.size, f.mtime_ns, f.staged_bytes};
      f.extents.clear();
      f.staged_bytes = 0;
      f.dirty = false;
    }
  }
  // Nothing staged: unlock without publishing. (No co_await inside a
  // conditional expression: GCC 12 destroys its temporaries twice.)
  Status s;
  if (!p.bucket.empty()) s = co_await publish(p);
  {
    MutexLock lock(&mu_);
    OpenFile& f = *files_[id];
    f.failure = Status::ok();
    if (s.code() == StatusCode::kNoSpace) {
      f.dropped = s;
    } else if (!s.is_ok()) {
      // Keep the writes staged (those made since the flush began win).
      Extents newer = std::move(f.extents);
      f.extents = std::move(p.extents);
      for (auto& [off, data] : newer) put_extent(&f.extents, off, std::move(data));
      if (!f.dirty) f.size = p.size;
      f.dirty = true;
      f.staged_bytes += p.staged_bytes;
      f.failure = s;
    }
    if (commit) {
      if (s.is_ok()) s = f.dropped;
      f.dropped = Status::ok();
    }
  }
  unlock_file(id);
  co_return s;
}

Task<Status> FileWriteback::flush_prefix(const std::string& bucket, const std::string& prefix) {
  std::vector<uint64_t> under;
  {
    MutexLock lock(&mu_);
    for (const auto& [id, f] : files_) {
      if (f->dirty && f->bucket == bucket && f->key.starts_with(prefix)) under.push_back(id);
    }
  }
  for (uint64_t id : under) SKY_CO_RETURN_IF_ERROR(co_await flush(id));
  co_return Status::ok();
}

void FileWriteback::moved_prefix(const std::string& bucket, const std::string& from,
                                 const std::string& to) {
  MutexLock lock(&mu_);
  for (auto& [id, f] : files_) {
    if (f->bucket == bucket && f->key.starts_with(from)) f->key = to + f->key.substr(from.size());
  }
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
  // An encrypted version is rewritten whole: its sealed runs cannot be
  // extended or patched in place.
  const bool sealed = info && info->sse.mode != SseMode::kNone;
  if (info && !sealed && !info->evicted && info->size >= kAppendMin && p.extents.size() == 1 &&
      p.extents.begin()->first == info->size &&
      info->size + p.extents.begin()->second.size() == p.size) {
    co_return co_await append(p, *info);
  }
  if (info && !sealed && !info->evicted && info->size > objects_.writes().patch_granularity()) {
    uint64_t written = 0;
    auto pieces =
        plan_patch(p.extents, info->size, p.size, objects_.writes().patch_granularity(), &written);
    if (written * 2 <= p.size) {
      Status s = co_await patch(p, *info, pieces, written);
      // The version changed under the flush (an S3 write): rewrite over it.
      if (s.code() != StatusCode::kPreconditionFailed) co_return s;
      auto again =
          co_await objects_.reads().head_object(system_caller(), p.bucket, p.key, head_opts);
      if (!again.is_ok() && again.status().code() != StatusCode::kNotFound) {
        co_return again.status();
      }
      info.reset();
      if (again.is_ok()) info = std::move(*again);
    }
  }
  co_return co_await rewrite(p, info);
}

Task<Result<std::unique_ptr<ObjectReader>>> FileWriteback::read_old(const Pending& p,
                                                                    uint64_t first, uint64_t last) {
  GetOptions g;
  g.range = ByteRange{first, last, std::nullopt};
  co_return co_await objects_.reads().get_object(system_caller(), p.bucket, p.key, g);
}

Task<Status> FileWriteback::patch(const Pending& p, const ObjectInfo& cur,
                                  const std::vector<PatchPiece>& pieces, uint64_t written) {
  PutOptions o;
  o.user_metadata = cur.user_metadata;
  o.content = cur.content;
  set_times(&o.user_metadata, p.mtime_ns);
  o.expected_size = written;
  o.patch = ObjectPatch{cur.etag, cur.size, pieces};
  auto w = co_await objects_.writes().put_object(system_caller(), p.bucket, p.key, o);
  if (!w.is_ok()) co_return w.status();
  const uint64_t window = objects_.writes().patch_granularity();
  for (const auto& piece : pieces) {
    if (piece.from_base) continue;
    // A written piece is whole windows (the last may be short): each one is
    // its old bytes, the staged extents over them, zeros past the old end.
    for (uint64_t pos = piece.base_offset; pos < piece.base_offset + piece.length; pos += window) {
      const uint64_t n = std::min(window, piece.base_offset + piece.length - pos);
      std::string bytes(n, '\0');
      const uint64_t old_n = pos < cur.size ? std::min(n, cur.size - pos) : 0;
      if (old_n > 0) {
        auto r = co_await read_old(p, pos, pos + old_n - 1);
        if (!r.is_ok()) co_return r.status();
        for (uint64_t got = 0; got < old_n;) {
          auto b = co_await (*r)->read(kPiece);
          if (!b.is_ok()) co_return b.status();
          if (b->empty()) co_return Status::io_error("object shorter than its size");
          const size_t take = static_cast<size_t>(std::min<uint64_t>(b->size(), old_n - got));
          bytes.replace(got, take, b->view().substr(0, take));
          got += take;
        }
      }
      overlay(&bytes, pos, p.extents);
      SKY_CO_RETURN_IF_ERROR(co_await (*w)->write(Buffer::copy_of(bytes)));
    }
  }
  auto done = co_await (*w)->commit();
  co_return done.status();
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
  c.keep_source_encryption = true;
  auto copied =
      co_await objects_.writes().copy_object(system_caller(), p.bucket, p.key, p.bucket, p.key, c);
  co_return copied.status();
}

Task<Status> FileWriteback::rewrite(const Pending& p, const std::optional<ObjectInfo>& cur) {
  PutOptions o;
  if (cur) {
    o.user_metadata = cur->user_metadata;
    o.content = cur->content;
    o.sse = same_encryption(cur->sse);  // stays encrypted as it was
  }
  set_times(&o.user_metadata, p.mtime_ns);
  o.expected_size = p.size;
  auto w = co_await objects_.writes().put_object(system_caller(), p.bucket, p.key, o);
  if (!w.is_ok()) co_return w.status();
  uint64_t old_size = cur ? std::min(cur->size, p.size) : 0;
  std::unique_ptr<ObjectReader> reader;
  if (old_size > 0) {
    auto r = co_await read_old(p, 0, old_size - 1);
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
    overlay(&piece, pos, p.extents);
    SKY_CO_RETURN_IF_ERROR(co_await (*w)->write(Buffer::copy_of(piece)));
  }
  auto done = co_await (*w)->commit();
  co_return done.status();
}

}  // namespace skyarray::services
