#include "protocols/rpc/duplicate_request_cache.h"

#include <functional>

#include "protocols/rpc/xdr.h"

namespace skyarray::rpc {

std::string DuplicateRequestCache::key(std::string_view client_address, uint32_t xid, uint32_t prog,
                                       uint32_t vers, uint32_t proc, std::string_view args) {
  XdrEncoder e;
  e.u32(xid);
  e.u32(prog);
  e.u32(vers);
  e.u32(proc);
  e.u64(std::hash<std::string_view>{}(args));
  e.u64(args.size());
  std::string k(client_address);
  k.push_back('\0');
  return k + e.take();
}

DuplicateRequestCache::Seen DuplicateRequestCache::begin(const std::string& key,
                                                         std::string* reply) {
  MutexLock lock(&mu_);
  auto [it, inserted] = entries_.try_emplace(key);
  if (inserted) return Seen::kNew;
  if (!it->second.done) return Seen::kInProgress;
  *reply = it->second.reply;
  return Seen::kDone;
}

void DuplicateRequestCache::finish(const std::string& key, std::string reply) {
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.done) return;
  it->second.done = true;
  it->second.reply = std::move(reply);
  order_.push_back(key);
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

void DuplicateRequestCache::abandon(const std::string& key) {
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && !it->second.done) entries_.erase(it);
}

}  // namespace skyarray::rpc
