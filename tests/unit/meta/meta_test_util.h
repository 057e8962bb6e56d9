// Helpers shared by the metadata journal tests.
#pragma once

#include <map>
#include <string>

#include "meta/meta_store.h"

namespace skyarray {

// n batches, each touching several families: a put of k<base+i>, a counter
// addition, a user record, and the erase of an earlier key.
inline void commit_numbered(MetaStore& meta, int n, int base) {
  for (int i = 0; i < n; ++i) {
    int k = base + i;
    MetaBatch b;
    b.put(MetaCf::kObjects, "k" + std::to_string(k), std::string(100 + k % 300, 'a' + k % 26));
    b.add(MetaCf::kCounters, "total", 1);
    b.put(MetaCf::kUsers, "u" + std::to_string(k % 7), std::to_string(k));
    if (k % 5 == 4) b.erase(MetaCf::kObjects, "k" + std::to_string(k - 2));
    Status s = meta.commit(std::move(b));
    if (!s.is_ok()) std::abort();
  }
}

// Every key and value of every family.
inline std::map<std::string, std::string> dump(const MetaStore& meta) {
  std::map<std::string, std::string> out;
  for (size_t c = 0; c < kMetaCfCount; ++c) {
    auto cf = static_cast<MetaCf>(c);
    for (auto it = meta.scan(cf, "", ""); it->valid(); it->next()) {
      out[std::string(meta_cf_name(cf)) + "/" + std::string(it->key())] = std::string(it->value());
    }
  }
  return out;
}

}  // namespace skyarray
