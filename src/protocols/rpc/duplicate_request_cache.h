// DuplicateRequestCache: the replies of recent non-idempotent calls, so that
// a call the client sends again (after a lost reply or a reconnect) is
// answered from the cache instead of executed twice — a retransmitted
// REMOVE answers OK, not NOENT.
//
// A call is known by its client's address (not the port: clients resend on
// a new connection), xid, program, version, procedure and a hash of its
// arguments (so that another process on the same host reusing the xid is
// not mistaken for a retransmission). Bounded: the oldest finished entries
// go first. In memory only: a restart forgets it (as NFS servers' caches).
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.h"

namespace skyarray::rpc {

class DuplicateRequestCache {
 public:
  explicit DuplicateRequestCache(size_t capacity = 4096) : capacity_(capacity) {}

  static std::string key(std::string_view client_address, uint32_t xid, uint32_t prog,
                         uint32_t vers, uint32_t proc, std::string_view args);

  enum class Seen : uint8_t {
    kNew,         // first time: the caller runs it, then finish() or abandon()
    kInProgress,  // an earlier copy is running: drop this one
    kDone,        // answered before: the reply is returned
  };
  Seen begin(const std::string& key, std::string* reply);
  void finish(const std::string& key, std::string reply);
  // The call produced no reply to keep: forget it.
  void abandon(const std::string& key);

 private:
  struct Entry {
    bool done = false;
    std::string reply;
  };
  const size_t capacity_;
  Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ GUARDED_BY(mu_);
  std::deque<std::string> order_ GUARDED_BY(mu_);  // finished keys, oldest first
};

}  // namespace skyarray::rpc
