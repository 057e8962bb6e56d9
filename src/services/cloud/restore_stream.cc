#include "services/cloud/restore_stream.h"

#include <algorithm>
#include <string_view>

#include "services/cloud/cloud_config.h"

namespace skyarray::services {

RestoreStream::RestoreStream(CloudTarget& target, const CloudTargetConfig& cfg,
                             std::unique_ptr<CheckpointReader> checkpoint)
    : target_(target),
      prefix_(cfg.prefix),
      private_prefix_(cfg.private_prefix()),
      checkpoint_(std::move(checkpoint)),
      cp_done_(checkpoint_ == nullptr) {}

// Loads listing pages until one has an entry to merge or the listing ends.
Task<Status> RestoreStream::fill_listing() {
  while (pos_ >= page_.size() && !listed_all_) {
    std::string none;
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target_.list(prefix_, token_, none));
    ++pages_;
    page_.clear();
    pos_ = 0;
    for (auto& e : page.entries) {
      // The merge relies on the order: a key out of it would be missed.
      if (listed_any_ && e.key <= last_listed_)
        co_return Status::corruption("cloud listing out of order at '" + e.key + "'");
      last_listed_ = e.key;
      listed_any_ = true;
      if (!e.key.starts_with(prefix_) || e.key.size() == prefix_.size()) continue;
      if (e.key.starts_with(private_prefix_)) continue;
      page_.push_back(std::move(e));
    }
    token_ = std::move(page.next_token);
    listed_all_ = token_.empty();
  }
  co_return Status::ok();
}

Task<Status> RestoreStream::fill_checkpoint() {
  if (cp_ready_ || cp_done_) co_return Status::ok();
  SKY_CO_ASSIGN_OR_RETURN(bool more, co_await checkpoint_->next(cp_key_, cp_versions_));
  cp_ready_ = more;
  cp_done_ = !more;
  co_return Status::ok();
}

Task<Status> RestoreStream::next_batch(std::vector<RestoreItem>& out, size_t max_keys,
                                       size_t max_versions) {
  out.clear();
  size_t versions = 0;
  while (out.size() < std::max<size_t>(max_keys, 1) && (out.empty() || versions < max_versions)) {
    Status st = co_await fill_listing();
    SKY_CO_RETURN_IF_ERROR(st);
    st = co_await fill_checkpoint();
    SKY_CO_RETURN_IF_ERROR(st);
    bool listed = pos_ < page_.size();
    if (!listed && !cp_ready_) break;
    // < 0: only listed; 0: in both; > 0: only in the checkpoint.
    int order = -1;
    if (!listed) {
      order = 1;
    } else if (cp_ready_) {
      order = std::string_view(page_[pos_].key).substr(prefix_.size()).compare(cp_key_);
    }
    RestoreItem item;
    if (order <= 0) {
      item.key = page_[pos_].key.substr(prefix_.size());
      item.entry = std::move(page_[pos_++]);
    }
    if (order >= 0) {
      if (order > 0) item.key = std::move(cp_key_);
      item.versions = std::move(cp_versions_);
      cp_ready_ = false;
    }
    versions += item.versions.size();
    out.push_back(std::move(item));
  }
  co_return Status::ok();
}

}  // namespace skyarray::services
