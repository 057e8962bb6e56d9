#include "services/cloud/cloud_copy.h"

#include <algorithm>

namespace skyarray::services {

ContentHeaders content_of(const CloudObjectAttrs& attrs) {
  ContentHeaders c;
  c.content_type = attrs.content_type;
  c.content_encoding = attrs.content_encoding;
  c.content_disposition = attrs.content_disposition;
  c.cache_control = attrs.cache_control;
  return c;
}

Task<Status> copy_from_cloud(CloudTarget& target, const std::string& key, uint64_t size,
                             uint64_t piece, ObjectWriter& writer,
                             const BeforeCloudGet& before_get) {
  for (uint64_t first = 0; first < size; first += piece) {
    uint64_t len = std::min(piece, size - first);
    if (before_get) co_await before_get(len);
    auto got = co_await target.get(key, first, len);
    if (!got.is_ok() || got->size() != len) {
      co_await writer.abort();
      co_return got.is_ok() ? Status::io_error("short cloud read of " + key) : got.status();
    }
    Buffer data = Buffer::copy_of(*got);
    Status w = co_await writer.write(std::move(data));
    if (!w.is_ok()) {
      co_await writer.abort();
      co_return w;
    }
  }
  co_return Status::ok();
}

}  // namespace skyarray::services
