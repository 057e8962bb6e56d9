// ObjectService: construction, shared helpers and bucket operations.
#include "services/objects/object_service.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/config.h"
#include "common/encoding.h"
#include "meta/key_codec.h"
#include "services/objects/object_chunk_names.h"
#include "services/objects/object_service_impl.h"

namespace skyarray::services {

namespace {
constexpr size_t kMaxBucketTags = 50;
constexpr size_t kMaxCorsRules = 100;

Status bucket_not_found(const std::string& name) {
  return Status(StatusCode::kBucketNotFound, "bucket '" + name + "' does not exist");
}
}  // namespace

Result<ObjectServiceOptions> ObjectServiceOptions::from_config(const ConfigSection& section) {
  ObjectServiceOptions o;
  SKY_RETURN_IF_ERROR(section.read("default_region", &o.default_region));
  int64_t scan = o.max_scan_per_list;
  SKY_RETURN_IF_ERROR(section.read("max_scan_per_list", &scan, 1000, 100000000));
  o.max_scan_per_list = static_cast<uint32_t>(scan);
  return o;
}

int64_t now_ns() {
  return to_ns(std::chrono::system_clock::now());
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  return hex_encode(raw);
}

bool is_valid_storage_class(const std::string& c) {
  static const char* kClasses[] = {"STANDARD",   "REDUCED_REDUNDANCY",  "STANDARD_IA",
                                   "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                                   "GLACIER_IR", "DEEP_ARCHIVE"};
  return std::any_of(std::begin(kClasses), std::end(kClasses),
                     [&](const char* k) { return c == k; });
}

Status validate_key(const std::string& key) {
  if (key.empty()) return Status::invalid_argument("object key is empty");
  if (key.size() > kMaxKeyLength) {
    return Status(StatusCode::kTooLarge, "object key longer than 1024 bytes");
  }
  return Status::ok();
}

Status validate_object_tags(const TagSet& tags) {
  if (tags.size() > kMaxTags) return Status::invalid_argument("more than 10 tags");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) return Status::invalid_argument("tag key length not 1..128");
    if (v.size() > 256) return Status::invalid_argument("tag value longer than 256");
  }
  return Status::ok();
}

// ---------------------------------------------------------------- conditions

namespace {
bool etag_matches(const std::vector<std::string>& list, const std::string& etag) {
  for (const auto& e : list) {
    if (e == "*" || e == etag) return true;
  }
  return false;
}
int64_t seconds_of(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

Status check_read_conditions(const Conditions& c, const ObjectRecord& rec, bool copy_source) {
  const int64_t mtime = rec.mtime_ns / 1000000000;
  auto failed = [] { return Status(StatusCode::kPreconditionFailed, "precondition failed"); };
  if (!c.if_match.empty()) {
    if (!etag_matches(c.if_match, rec.etag)) return failed();
  } else if (c.if_unmodified_since && mtime > seconds_of(*c.if_unmodified_since)) {
    return failed();
  }
  bool not_modified = false;
  if (!c.if_none_match.empty()) {
    not_modified = etag_matches(c.if_none_match, rec.etag);
  } else if (c.if_modified_since) {
    not_modified = mtime <= seconds_of(*c.if_modified_since);
  }
  if (not_modified) {
    if (copy_source) return failed();
    return Status(StatusCode::kNotModified, "not modified");
  }
  return Status::ok();
}

Status check_write_conditions(const std::vector<std::string>& if_match,
                              const std::vector<std::string>& if_none_match,
                              const std::optional<ObjectRecord>& current) {
  if (!if_match.empty()) {
    if (!current) return Status::not_found("object does not exist (If-Match)");
    if (!etag_matches(if_match, current->etag)) {
      return Status(StatusCode::kPreconditionFailed, "If-Match: ETag differs");
    }
  }
  if (!if_none_match.empty() && current && etag_matches(if_none_match, current->etag)) {
    return Status(StatusCode::kPreconditionFailed, "If-None-Match: object exists");
  }
  return Status::ok();
}

Status check_delete_conditions(const DeleteOptions& options,
                               const std::optional<ObjectRecord>& current) {
  SKY_RETURN_IF_ERROR(check_write_conditions(options.if_match, {}, current));
  if (!current) return Status::ok();
  if (options.if_match_last_modified &&
      current->mtime_ns / 1000000000 != seconds_of(*options.if_match_last_modified)) {
    return Status(StatusCode::kPreconditionFailed, "last-modified time differs");
  }
  if (options.if_match_size && current->size != *options.if_match_size) {
    return Status(StatusCode::kPreconditionFailed, "size differs");
  }
  return Status::ok();
}

// ---------------------------------------------------------------- Impl helpers

size_t ObjectService::Impl::stripe(std::string_view bucket, std::string_view key) const {
  size_t h = std::hash<std::string_view>()(bucket) * 31 + std::hash<std::string_view>()(key);
  return h % kStripes;
}

ObjectService::Impl::KeyLocks::KeyLocks(Impl& impl, size_t a, size_t b)
    : impl_(impl), first_(std::min(a, b)), second_(std::max(a, b)) {
  impl_.key_mu[first_].lock();
  if (second_ != first_) impl_.key_mu[second_].lock();
}

ObjectService::Impl::KeyLocks::~KeyLocks() {
  if (second_ != first_) impl_.key_mu[second_].unlock();
  impl_.key_mu[first_].unlock();
}

Result<BucketRecord> ObjectService::Impl::load_bucket(const Caller& caller,
                                                      const std::string& bucket) const {
  SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kBuckets, keys::bucket(bucket)));
  if (!raw) return bucket_not_found(bucket);
  SKY_ASSIGN_OR_RETURN(auto rec, BucketRecord::decode(*raw));
  if (!caller.system && !caller.authorized && rec.owner != caller.user_id) {
    return Status::permission_denied("bucket '" + bucket + "' belongs to another owner");
  }
  return rec;
}

Result<std::optional<ObjectRecord>> ObjectService::Impl::load_latest(const std::string& bucket,
                                                                     const std::string& key) const {
  SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kObjects, keys::latest(bucket, key)));
  if (!raw) return std::optional<ObjectRecord>();
  SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(*raw));
  return std::optional<ObjectRecord>(std::move(rec));
}

Result<std::optional<ObjectRecord>> ObjectService::Impl::load_top_version(
    const std::string& bucket, const std::string& key) const {
  auto it = meta.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key));
  it->seek_to_first();
  if (!it->valid()) {
    SKY_RETURN_IF_ERROR(it->status());
    return std::optional<ObjectRecord>();
  }
  SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
  return std::optional<ObjectRecord>(std::move(rec));
}

Result<std::optional<ObjectRecord>> ObjectService::Impl::find_null_version(
    const std::string& bucket, const std::string& key) const {
  auto it = meta.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key));
  for (it->seek_to_first(); it->valid(); it->next()) {
    SKY_ASSIGN_OR_RETURN(auto rec, ObjectRecord::decode(it->value()));
    if (rec.null_version) return std::optional<ObjectRecord>(std::move(rec));
  }
  SKY_RETURN_IF_ERROR(it->status());
  return std::optional<ObjectRecord>();
}

Result<ObjectRecord> ObjectService::Impl::load_version(const std::string& bucket,
                                                       const std::string& key,
                                                       const std::string& version_id) const {
  SKY_ASSIGN_OR_RETURN(auto seq, parse_version_id(version_id));
  std::optional<ObjectRecord> rec;
  if (!seq) {
    SKY_ASSIGN_OR_RETURN(rec, find_null_version(bucket, key));
  } else {
    SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kObjects, keys::version(bucket, key, *seq)));
    if (raw) {
      SKY_ASSIGN_OR_RETURN(auto r, ObjectRecord::decode(*raw));
      if (!r.null_version) rec = std::move(r);
    }
  }
  if (!rec) return Status(StatusCode::kNoSuchVersion, "no such version of '" + key + "'");
  return std::move(*rec);
}

BucketInfo ObjectService::Impl::bucket_info(const std::string& name,
                                            const BucketRecord& rec) const {
  BucketInfo info;
  info.name = name;
  info.owner = rec.owner;
  info.region = rec.region.empty() ? options.default_region : rec.region;
  info.created = from_ns(rec.created_ns);
  info.versioning = rec.versioning;
  auto objects = meta.get_counter(MetaCf::kCounters, keys::objects_counter(name));
  auto bytes = meta.get_counter(MetaCf::kCounters, keys::bytes_counter(name));
  info.objects = objects.is_ok() ? static_cast<uint64_t>(std::max<int64_t>(0, *objects)) : 0;
  info.bytes = bytes.is_ok() ? static_cast<uint64_t>(std::max<int64_t>(0, *bytes)) : 0;
  return info;
}

Status ObjectService::Impl::stage_new_version(MetaBatch* batch, const BucketRecord& bucket_rec,
                                              const std::string& bucket, const std::string& key,
                                              ObjectRecord* rec, bool stage_blob) {
  SKY_ASSIGN_OR_RETURN(auto top, load_top_version(bucket, key));
  SKY_ASSIGN_OR_RETURN(auto latest, load_latest(bucket, key));
  int64_t now = now_ns();
  // Objects belong to the bucket owner whoever wrote them (S3's
  // BucketOwnerEnforced ownership): writers granted by a policy or an ACL,
  // anonymous ones included, never own what they wrote.
  rec->owner = bucket_rec.owner;
  rec->seq = std::max<uint64_t>(static_cast<uint64_t>(now), top ? top->seq + 1 : 0);
  rec->null_version = bucket_rec.versioning != VersioningState::kEnabled;
  int64_t bytes_delta = static_cast<int64_t>(rec->size);
  if (rec->null_version) {
    SKY_ASSIGN_OR_RETURN(auto old_null, find_null_version(bucket, key));
    if (old_null) {
      batch->erase(MetaCf::kObjects, keys::version(bucket, key, old_null->seq));
      blobs.stage_release(batch, old_null->blob);
      bytes_delta -= static_cast<int64_t>(old_null->size);
    }
  }
  if (stage_blob) SKY_RETURN_IF_ERROR(blobs.stage_commit(batch, rec->blob));
  std::string value = rec->encode();
  batch->put(MetaCf::kObjects, keys::version(bucket, key, rec->seq), value);
  int64_t objects_delta = 0;
  if (rec->delete_marker) {
    batch->erase(MetaCf::kObjects, keys::latest(bucket, key));
    if (latest) objects_delta = -1;
  } else {
    batch->put(MetaCf::kObjects, keys::latest(bucket, key), value);
    if (!latest) objects_delta = 1;
  }
  if (objects_delta) batch->add(MetaCf::kCounters, keys::objects_counter(bucket), objects_delta);
  if (bytes_delta) batch->add(MetaCf::kCounters, keys::bytes_counter(bucket), bytes_delta);
  if (change_stager) {
    SKY_RETURN_IF_ERROR(
        change_stager->stage_change(batch, bucket, key, rec->delete_marker ? 0 : rec->size));
  }
  return Status::ok();
}

Status ObjectService::Impl::stage_remove_version(MetaBatch* batch, const std::string& bucket,
                                                 const std::string& key, const ObjectRecord& rec) {
  batch->erase(MetaCf::kObjects, keys::version(bucket, key, rec.seq));
  blobs.stage_release(batch, rec.blob);
  if (rec.size) batch->add(MetaCf::kCounters, keys::bytes_counter(bucket), -int64_t(rec.size));
  if (change_stager) SKY_RETURN_IF_ERROR(change_stager->stage_change(batch, bucket, key, 0));
  // Was it the newest? Then the next one (if any, and not a marker) becomes latest.
  auto it = meta.scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key));
  it->seek_to_first();
  if (!it->valid()) return it->status();
  SKY_ASSIGN_OR_RETURN(auto top, ObjectRecord::decode(it->value()));
  if (top.seq != rec.seq) return Status::ok();
  const bool was_visible = !rec.delete_marker;
  it->next();
  std::optional<ObjectRecord> next;
  if (it->valid()) {
    SKY_ASSIGN_OR_RETURN(auto n, ObjectRecord::decode(it->value()));
    next = std::move(n);
  }
  SKY_RETURN_IF_ERROR(it->status());
  const bool now_visible = next && !next->delete_marker;
  if (now_visible) {
    batch->put(MetaCf::kObjects, keys::latest(bucket, key), next->encode());
  } else {
    batch->erase(MetaCf::kObjects, keys::latest(bucket, key));
  }
  int64_t delta = int64_t(now_visible) - int64_t(was_visible);
  if (delta) batch->add(MetaCf::kCounters, keys::objects_counter(bucket), delta);
  return Status::ok();
}

// ---------------------------------------------------------------- buckets

ObjectService::ObjectService(Runtime& runtime, MetaStore& meta, BlobStore& blobs,
                             ObjectServiceOptions options)
    : impl_(std::make_shared<Impl>(runtime, meta, blobs, std::move(options))) {
  // The store's data-loss and repair messages name objects, not only chunks.
  blobs.set_owner_names(std::make_shared<ObjectChunkNames>(meta));
}

ObjectService::~ObjectService() = default;

void ObjectService::set_change_stager(ObjectChangeStager* stager) {
  impl_->change_stager = stager;
}

void ObjectService::set_tiering(TieringPort* tiering) {
  impl_->tiering = tiering;
}

Status ObjectService::validate_bucket_name(const std::string& name) {
  auto bad = [&](const char* why) {
    return Status(StatusCode::kInvalidBucketName, "bucket name '" + name + "': " + why);
  };
  if (name.size() < 3 || name.size() > 63) return bad("length must be 3 to 63");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return bad("only lower-case letters, digits, '.' and '-' are allowed");
    }
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return bad("must start and end alphanumeric");
  // A label (between dots) starts and ends alphanumeric, as in DNS.
  for (const char* pair : {"..", ".-", "-."}) {
    if (name.find(pair) != std::string::npos) {
      return bad("a label must start and end with a letter or digit");
    }
  }
  for (const char* prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.rfind(prefix, 0) == 0) return bad("reserved prefix");
  }
  auto ends_with = [&](std::string_view s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  for (const char* suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (ends_with(suffix)) return bad("reserved suffix");
  }
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      digits_and_dots = false;
  }
  if (digits_and_dots && dots == 3) return bad("must not look like an IP address");
  return Status::ok();
}

Task<Result<BucketInfo>> ObjectService::create_bucket(const Caller& caller, const std::string& name,
                                                      const CreateBucketOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_bucket_name(name));
  if (caller.user_id.empty()) co_return Status::permission_denied("anonymous caller");
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<BucketInfo> {
    std::unique_lock lock(impl->buckets_mu);
    SKY_ASSIGN_OR_RETURN(auto raw, impl->meta.get(MetaCf::kBuckets, keys::bucket(name)));
    if (raw) {
      SKY_ASSIGN_OR_RETURN(auto existing, BucketRecord::decode(*raw));
      if (existing.owner == caller.user_id) {
        return Status(StatusCode::kBucketAlreadyOwnedByYou, "you already own '" + name + "'");
      }
      return Status::already_exists("bucket '" + name + "' exists");
    }
    BucketRecord rec;
    rec.owner = caller.user_id;
    rec.region = options.region;
    rec.acl = options.acl;
    rec.ownership = options.ownership;
    rec.created_ns = now_ns();
    MetaBatch batch;
    batch.put(MetaCf::kBuckets, keys::bucket(name), rec.encode());
    SKY_RETURN_IF_ERROR(impl->meta.commit(std::move(batch)));
    impl->forget_access(name);
    return impl->bucket_info(name, rec);
  });
}

Task<Result<BucketInfo>> ObjectService::head_bucket(const Caller& caller, const std::string& name) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<BucketInfo> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, name));
    return impl->bucket_info(name, rec);
  });
}

Task<Status> ObjectService::delete_bucket(const Caller& caller, const std::string& name) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Status {
    std::unique_lock lock(impl->buckets_mu);
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, name));
    (void)rec;
    auto it = impl->meta.scan_prefix(MetaCf::kObjects, keys::versions_prefix(name, ""));
    it->seek_to_first();
    if (it->valid()) return Status(StatusCode::kNotEmpty, "bucket '" + name + "' is not empty");
    SKY_RETURN_IF_ERROR(it->status());
    MetaBatch batch;
    batch.set_admission(MetaAdmission::kRelease);
    // In-progress uploads go with the bucket: their parts are released.
    auto parts =
        impl->meta.scan_prefix(MetaCf::kUploads, KeyCodec().add_raw("P").add_string(name).key());
    for (parts->seek_to_first(); parts->valid(); parts->next()) {
      SKY_ASSIGN_OR_RETURN(auto part, PartRecord::decode(parts->value()));
      impl->blobs.stage_release(&batch, part.blob);
      batch.erase(MetaCf::kUploads, parts->key());
    }
    SKY_RETURN_IF_ERROR(parts->status());
    auto uploads = impl->meta.scan_prefix(MetaCf::kUploads, keys::uploads_prefix(name, ""));
    for (uploads->seek_to_first(); uploads->valid(); uploads->next()) {
      batch.erase(MetaCf::kUploads, uploads->key());
    }
    SKY_RETURN_IF_ERROR(uploads->status());
    batch.erase(MetaCf::kBuckets, keys::bucket(name));
    batch.erase(MetaCf::kCounters, keys::objects_counter(name));
    batch.erase(MetaCf::kCounters, keys::bytes_counter(name));
    SKY_RETURN_IF_ERROR(impl->meta.commit(std::move(batch)));
    impl->forget_access(name);
    return Status::ok();
  });
}

Task<Result<std::vector<BucketInfo>>> ObjectService::list_buckets(const Caller& caller) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<std::vector<BucketInfo>> {
    std::vector<BucketInfo> out;
    auto it = impl->meta.scan_prefix(MetaCf::kBuckets, keys::buckets_begin());
    for (it->seek_to_first(); it->valid(); it->next()) {
      std::string name;
      if (!keys::parse_bucket(it->key(), &name)) continue;
      SKY_ASSIGN_OR_RETURN(auto rec, BucketRecord::decode(it->value()));
      if (caller.system || rec.owner == caller.user_id) {
        out.push_back(impl->bucket_info(name, rec));
      }
    }
    SKY_RETURN_IF_ERROR(it->status());
    return out;
  });
}

Status update_bucket(ObjectService::Impl& impl, const Caller& caller, const std::string& name,
                     const std::function<Status(BucketRecord&)>& mutate) {
  std::unique_lock lock(impl.buckets_mu);
  SKY_ASSIGN_OR_RETURN(auto rec, impl.load_bucket(caller, name));
  SKY_RETURN_IF_ERROR(mutate(rec));
  MetaBatch batch;
  batch.put(MetaCf::kBuckets, keys::bucket(name), rec.encode());
  SKY_RETURN_IF_ERROR(impl.meta.commit(std::move(batch)));
  impl.forget_access(name);
  return Status::ok();
}

Task<Status> ObjectService::set_bucket_versioning(const Caller& caller, const std::string& bucket,
                                                  VersioningState state) {
  if (state == VersioningState::kUnversioned) {
    co_return Status::invalid_argument("versioning can only be Enabled or Suspended");
  }
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.versioning = state;
      return Status::ok();
    });
  });
}

Task<Result<TagSet>> ObjectService::get_bucket_tagging(const Caller& caller,
                                                       const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<TagSet> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, bucket));
    return rec.tags;
  });
}

Task<Status> ObjectService::put_bucket_tagging(const Caller& caller, const std::string& bucket,
                                               const TagSet& tags) {
  if (tags.size() > kMaxBucketTags) co_return Status::invalid_argument("more than 50 tags");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      co_return Status::invalid_argument("tag key must be 1..128 bytes, value ≤256");
    }
  }
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.tags = tags;
      return Status::ok();
    });
  });
}

Task<Status> ObjectService::delete_bucket_tagging(const Caller& caller, const std::string& bucket) {
  const TagSet none;  // named: see the GCC 12 note in object_service.h
  co_return co_await put_bucket_tagging(caller, bucket, none);
}

Task<Result<std::vector<CorsRule>>> ObjectService::get_bucket_cors(const Caller& caller,
                                                                   const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<std::vector<CorsRule>> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, bucket));
    return rec.cors;
  });
}

Task<Status> ObjectService::put_bucket_cors(const Caller& caller, const std::string& bucket,
                                            const std::vector<CorsRule>& rules) {
  if (rules.size() > kMaxCorsRules) co_return Status::invalid_argument("more than 100 CORS rules");
  for (auto& rule : rules) {
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) {
      co_return Status::invalid_argument("a CORS rule needs an origin and a method");
    }
    for (const auto& m : rule.allowed_methods) {
      if (m != "GET" && m != "PUT" && m != "POST" && m != "DELETE" && m != "HEAD") {
        co_return Status::invalid_argument("unsupported CORS method '" + m + "'");
      }
    }
    for (const auto& o : rule.allowed_origins) {
      if (std::count(o.begin(), o.end(), '*') > 1) {
        co_return Status::invalid_argument("a CORS origin may hold one '*'");
      }
    }
  }
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.cors = rules;
      return Status::ok();
    });
  });
}

Task<Status> ObjectService::delete_bucket_cors(const Caller& caller, const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.cors.clear();
      return Status::ok();
    });
  });
}

namespace {
// Case-insensitive match of `value` against a pattern with at most one '*'.
bool wildcard_match(std::string_view pattern, std::string_view value, bool fold_case) {
  auto eq = [&](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i], y = b[i];
      if (fold_case) {
        x = static_cast<char>(std::tolower(static_cast<unsigned char>(x)));
        y = static_cast<char>(std::tolower(static_cast<unsigned char>(y)));
      }
      if (x != y) return false;
    }
    return true;
  };
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return eq(pattern, value);
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  if (value.size() < head.size() + tail.size()) return false;
  return eq(head, value.substr(0, head.size())) &&
         eq(tail, value.substr(value.size() - tail.size()));
}
}  // namespace

Task<Result<std::optional<CorsRule>>> ObjectService::match_cors(
    const std::string& bucket, const std::string& origin, const std::string& method,
    const std::vector<std::string>& request_headers) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<std::optional<CorsRule>> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(Caller{"", true}, bucket));
    for (const auto& rule : rec.cors) {
      bool origin_ok = std::any_of(rule.allowed_origins.begin(), rule.allowed_origins.end(),
                                   [&](const auto& o) { return wildcard_match(o, origin, false); });
      bool method_ok = std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(),
                                 method) != rule.allowed_methods.end();
      bool headers_ok =
          std::all_of(request_headers.begin(), request_headers.end(), [&](const auto& h) {
            return std::any_of(rule.allowed_headers.begin(), rule.allowed_headers.end(),
                               [&](const auto& p) { return wildcard_match(p, h, true); });
          });
      if (origin_ok && method_ok && headers_ok) return std::optional<CorsRule>(rule);
    }
    return std::optional<CorsRule>();
  });
}

}  // namespace skyarray::services
