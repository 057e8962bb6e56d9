#include "services/files/share_registry.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "meta/meta_store.h"

namespace json = boost::json;

namespace skyarray::services {

namespace {

const std::string kSharePrefix = std::string("\x01share", 6) + '\0';
// The next share id, so that ids are never reused after a removal.
const std::string kNextIdKey = std::string("\x01share-next-id", 14);

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<ShareRegistry>> ShareRegistry::open(MetaStore& meta) {
  std::unique_ptr<ShareRegistry> r(new ShareRegistry(meta));
  SKY_RETURN_IF_ERROR(r->load());
  return r;
}

Status ShareRegistry::load() {
  MutexLock lock(&mu_);  // not shared yet; taken for the analysis
  auto it = meta_.scan_prefix(MetaCf::kBuckets, kSharePrefix);
  for (it->seek_to_first(); it->valid(); it->next()) {
    boost::system::error_code ec;
    json::value v = json::parse(it->value(), ec);
    if (ec || !v.is_object()) return Status::corruption("unreadable share record");
    SKY_ASSIGN_OR_RETURN(Share s, Share::from_json(v.as_object()));
    next_id_ = std::max(next_id_, s.id + 1);
    shares_[s.name] = std::move(s);
  }
  SKY_RETURN_IF_ERROR(it->status());
  SKY_ASSIGN_OR_RETURN(auto next, meta_.get(MetaCf::kBuckets, kNextIdKey));
  if (next && next->size() == 4) {
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>((*next)[i]);
    next_id_ = std::max(next_id_, n);
  }
  return Status::ok();
}

Status ShareRegistry::store(const Share& share) {
  MetaBatch batch;
  batch.put(MetaCf::kBuckets, kSharePrefix + share.name, json::serialize(share.to_json()));
  std::string next(4, '\0');
  for (int i = 0; i < 4; ++i) next[i] = static_cast<char>(next_id_ >> (24 - 8 * i));
  batch.put(MetaCf::kBuckets, kNextIdKey, next);
  return meta_.commit(std::move(batch));
}

Result<Share> ShareRegistry::create(Share share) {
  SKY_RETURN_IF_ERROR(share.validate());
  MutexLock lock(&mu_);
  if (shares_.contains(share.name))
    return Status::already_exists("share '" + share.name + "' exists");
  share.id = next_id_++;
  share.created_ns = wall_ns();
  Status s = store(share);
  if (!s.is_ok()) return s;
  shares_[share.name] = share;
  return share;
}

Result<Share> ShareRegistry::update(const std::string& name,
                                    const std::function<Status(Share&)>& change) {
  MutexLock lock(&mu_);
  auto it = shares_.find(name);
  if (it == shares_.end()) return Status::not_found("no share '" + name + "'");
  Share s = it->second;
  SKY_RETURN_IF_ERROR(change(s));
  s.name = it->second.name;
  s.id = it->second.id;
  s.created_ns = it->second.created_ns;
  SKY_RETURN_IF_ERROR(s.validate());
  SKY_RETURN_IF_ERROR(store(s));
  it->second = s;
  return s;
}

Status ShareRegistry::remove(const std::string& name) {
  MutexLock lock(&mu_);
  if (!shares_.contains(name)) return Status::not_found("no share '" + name + "'");
  MetaBatch batch;
  batch.erase(MetaCf::kBuckets, kSharePrefix + name);
  batch.set_admission(MetaAdmission::kRelease);
  SKY_RETURN_IF_ERROR(meta_.commit(std::move(batch)));
  shares_.erase(name);
  return Status::ok();
}

std::vector<Share> ShareRegistry::list() const {
  std::vector<Share> out;
  {
    MutexLock lock(&mu_);
    for (const auto& [n, s] : shares_) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const Share& a, const Share& b) { return a.name < b.name; });
  return out;
}

std::optional<Share> ShareRegistry::get(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = shares_.find(name);
  if (it == shares_.end()) return std::nullopt;
  return it->second;
}

std::optional<Share> ShareRegistry::by_id(uint32_t id) const {
  MutexLock lock(&mu_);
  for (const auto& [n, s] : shares_) {
    if (s.id == id) return s;
  }
  return std::nullopt;
}

}  // namespace skyarray::services
