// BucketConfig: buckets and their configuration, and what access control
// reads and stores (bucket_config.h).
#include "services/objects/bucket_config.h"

#include <algorithm>

#include "common/ascii.h"
#include "common/encoding.h"
#include "common/random.h"
#include "common/runtime.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "services/objects/object_context.h"
#include "services/objects/object_lifecycle.h"
#include "services/objects/object_lock_rules.h"
#include "services/objects/object_rules.h"
#include "services/security/key_store.h"
#include "store/blob_store.h"

namespace skyarray::services {

namespace {
constexpr size_t kMaxBucketTags = 50;
constexpr size_t kMaxCorsRules = 100;
}  // namespace

BucketConfig::BucketConfig(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

Status BucketConfig::update_bucket(const Caller& caller, const std::string& name,
                                   const std::function<Status(BucketRecord&)>& mutate) {
  WriterLock lock(&ctx_->buckets_mu());
  SKY_ASSIGN_OR_RETURN(auto rec, ctx_->load_bucket(caller, name));
  SKY_RETURN_IF_ERROR(mutate(rec));
  MetaBatch batch;
  batch.put(MetaCf::kBuckets, keys::bucket(name), rec.encode());
  SKY_RETURN_IF_ERROR(ctx_->meta().commit(std::move(batch)));
  ctx_->forget_access(name);
  return Status::ok();
}

template <typename Mutate>
Task<Status> BucketConfig::change_bucket(const Caller& caller, const std::string& bucket,
                                         Mutate mutate) {
  co_return co_await ctx_->runtime().blocking([&] {
    return update_bucket(caller, bucket, [&](BucketRecord& r) {
      mutate(r);
      return Status::ok();
    });
  });
}

template <typename T>
Task<Result<T>> BucketConfig::read_field(const Caller& caller, const std::string& bucket,
                                         T BucketRecord::*field) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<T> {
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(caller, bucket));
    return std::move(rec.*field);
  });
}

Status BucketConfig::validate_bucket_name(const std::string& name) {
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

Task<Result<BucketInfo>> BucketConfig::create_bucket(const Caller& caller, const std::string& name,
                                                     const CreateBucketOptions& options) {
  SKY_CO_RETURN_IF_ERROR(validate_bucket_name(name));
  if (caller.user_id.empty()) co_return Status::permission_denied("anonymous caller");
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<BucketInfo> {
    WriterLock lock(&ctx->buckets_mu());
    SKY_ASSIGN_OR_RETURN(auto raw, ctx->meta().get(MetaCf::kBuckets, keys::bucket(name)));
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
    if (options.object_lock_enabled) {
      // S3: a bucket made with Object Lock is versioned, for good.
      rec.object_lock.enabled = true;
      rec.versioning = VersioningState::kEnabled;
    }
    MetaBatch batch;
    batch.put(MetaCf::kBuckets, keys::bucket(name), rec.encode());
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    ctx->forget_access(name);
    return ctx->bucket_info(name, rec);
  });
}

Task<Result<BucketInfo>> BucketConfig::head_bucket(const Caller& caller, const std::string& name) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<BucketInfo> {
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(caller, name));
    return ctx->bucket_info(name, rec);
  });
}

Task<Status> BucketConfig::delete_bucket(const Caller& caller, const std::string& name) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Status {
    WriterLock lock(&ctx->buckets_mu());
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(caller, name));
    (void)rec;
    auto it = ctx->meta().scan_prefix(MetaCf::kObjects, keys::versions_prefix(name, ""));
    it->seek_to_first();
    if (it->valid()) return Status(StatusCode::kNotEmpty, "bucket '" + name + "' is not empty");
    SKY_RETURN_IF_ERROR(it->status());
    MetaBatch batch;
    batch.set_admission(MetaAdmission::kRelease);
    // In-progress uploads go with the bucket: their parts are released.
    auto parts =
        ctx->meta().scan_prefix(MetaCf::kUploads, KeyCodec().add_raw("P").add_string(name).key());
    for (parts->seek_to_first(); parts->valid(); parts->next()) {
      SKY_ASSIGN_OR_RETURN(auto part, PartRecord::decode(parts->value()));
      ctx->blobs().stage_release(&batch, part.blob);
      batch.erase(MetaCf::kUploads, parts->key());
    }
    SKY_RETURN_IF_ERROR(parts->status());
    auto uploads = ctx->meta().scan_prefix(MetaCf::kUploads, keys::uploads_prefix(name, ""));
    for (uploads->seek_to_first(); uploads->valid(); uploads->next()) {
      batch.erase(MetaCf::kUploads, uploads->key());
    }
    SKY_RETURN_IF_ERROR(uploads->status());
    batch.erase(MetaCf::kBuckets, keys::bucket(name));
    batch.erase(MetaCf::kBuckets, lifecycle_progress_key(name));
    batch.erase(MetaCf::kCounters, keys::objects_counter(name));
    batch.erase(MetaCf::kCounters, keys::bytes_counter(name));
    SKY_RETURN_IF_ERROR(ctx->meta().commit(std::move(batch)));
    ctx->forget_access(name);
    return Status::ok();
  });
}

Task<Result<std::vector<BucketInfo>>> BucketConfig::list_buckets(const Caller& caller) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<std::vector<BucketInfo>> {
    std::vector<BucketInfo> out;
    auto it = ctx->meta().scan_prefix(MetaCf::kBuckets, keys::buckets_begin());
    for (it->seek_to_first(); it->valid(); it->next()) {
      std::string name;
      if (!keys::parse_bucket(it->key(), &name)) continue;
      SKY_ASSIGN_OR_RETURN(auto rec, BucketRecord::decode(it->value()));
      if (caller.system || rec.owner == caller.user_id) {
        out.push_back(ctx->bucket_info(name, rec));
      }
    }
    SKY_RETURN_IF_ERROR(it->status());
    return out;
  });
}

Task<Status> BucketConfig::set_bucket_versioning(const Caller& caller, const std::string& bucket,
                                                 VersioningState state) {
  if (state == VersioningState::kUnversioned) {
    co_return Status::invalid_argument("versioning can only be Enabled or Suspended");
  }
  co_return co_await ctx_->runtime().blocking([&] {
    return update_bucket(caller, bucket, [&](BucketRecord& r) {
      if (r.object_lock.enabled && state != VersioningState::kEnabled) {
        return Status(StatusCode::kConflict,
                      "An Object Lock configuration is present on this bucket, so the "
                      "versioning state cannot be changed.");
      }
      r.versioning = state;
      return Status::ok();
    });
  });
}

Task<Result<ObjectLockConfiguration>> BucketConfig::get_object_lock_configuration(
    const Caller& caller, const std::string& bucket) {
  auto config = co_await read_field(caller, bucket, &BucketRecord::object_lock);
  if (config.is_ok() && !config->enabled) {
    co_return Status::not_found("Object Lock configuration does not exist for this bucket");
  }
  co_return config;
}

Task<Status> BucketConfig::put_object_lock_configuration(const Caller& caller,
                                                         const std::string& bucket,
                                                         const ObjectLockConfiguration& config) {
  SKY_CO_RETURN_IF_ERROR(validate_lock_configuration(config));
  co_return co_await ctx_->runtime().blocking([&] {
    return update_bucket(caller, bucket, [&](BucketRecord& r) {
      if (!r.object_lock.enabled && r.versioning != VersioningState::kEnabled) {
        return Status(StatusCode::kConflict,
                      "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                      "configuration");
      }
      r.object_lock = config;
      return Status::ok();
    });
  });
}

Task<Result<LifecycleConfiguration>> BucketConfig::get_lifecycle_configuration(
    const Caller& caller, const std::string& bucket) {
  auto config = co_await read_field(caller, bucket, &BucketRecord::lifecycle);
  if (!config.is_ok()) co_return config.status();
  if (!*config) co_return Status::not_found("The lifecycle configuration does not exist");
  co_return std::move(**config);
}

Task<Status> BucketConfig::put_lifecycle_configuration(const Caller& caller,
                                                       const std::string& bucket,
                                                       const LifecycleConfiguration& config) {
  LifecycleConfiguration named = config;
  for (auto& rule : named.rules) {
    if (!rule.id.empty()) continue;
    SKY_CO_ASSIGN_OR_RETURN(std::string raw, random_bytes(16));
    rule.id = hex_encode(raw);
  }
  SKY_CO_RETURN_IF_ERROR(validate_lifecycle_configuration(named));
  co_return co_await change_bucket(caller, bucket,
                                   [&](BucketRecord& r) { r.lifecycle = std::move(named); });
}

Task<Status> BucketConfig::delete_lifecycle_configuration(const Caller& caller,
                                                          const std::string& bucket) {
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.lifecycle.reset(); });
}

Task<Result<std::optional<LifecycleExpiration>>> BucketConfig::lifecycle_expiration(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().cached_or_blocking(
      [&]() -> Result<std::optional<LifecycleExpiration>> {
        SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(caller, bucket));
        if (!rec.lifecycle) return std::optional<LifecycleExpiration>();
        SKY_ASSIGN_OR_RETURN(auto latest, ctx->load_latest(bucket, key));
        if (!latest || (version_id && *version_id != latest->version_id())) {
          return std::optional<LifecycleExpiration>();
        }
        return current_expiration(*rec.lifecycle, key, latest->tags, latest->size,
                                  latest->mtime_ns);
      });
}

Task<Result<TagSet>> BucketConfig::get_bucket_tagging(const Caller& caller,
                                                      const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::tags);
}

Task<Status> BucketConfig::put_bucket_tagging(const Caller& caller, const std::string& bucket,
                                              const TagSet& tags) {
  if (tags.size() > kMaxBucketTags) co_return Status::invalid_argument("more than 50 tags");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      co_return Status::invalid_argument("tag key must be 1..128 bytes, value ≤256");
    }
  }
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.tags = tags; });
}

Task<Status> BucketConfig::delete_bucket_tagging(const Caller& caller, const std::string& bucket) {
  const TagSet none;  // named: see the GCC 12 note in object_service.h
  co_return co_await put_bucket_tagging(caller, bucket, none);
}

Task<Result<std::vector<CorsRule>>> BucketConfig::get_bucket_cors(const Caller& caller,
                                                                  const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::cors);
}

Task<Status> BucketConfig::put_bucket_cors(const Caller& caller, const std::string& bucket,
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
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.cors = rules; });
}

Task<Status> BucketConfig::delete_bucket_cors(const Caller& caller, const std::string& bucket) {
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.cors.clear(); });
}

namespace {
// Match of `value` against a pattern with at most one '*' (ignoring ASCII
// case when `fold_case`).
bool wildcard_match(std::string_view pattern, std::string_view value, bool fold_case) {
  auto eq = [&](std::string_view a, std::string_view b) {
    return fold_case ? iequals(a, b) : a == b;
  };
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return eq(pattern, value);
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  if (value.size() < head.size() + tail.size()) return false;
  return eq(head, value.substr(0, head.size())) &&
         eq(tail, value.substr(value.size() - tail.size()));
}
}  // namespace

Task<Result<std::optional<CorsRule>>> BucketConfig::match_cors(
    const std::string& bucket, const std::string& origin, const std::string& method,
    const std::vector<std::string>& request_headers) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<std::optional<CorsRule>> {
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(Caller{"", true}, bucket));
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

// ---------------------------------------------------------------- access

Task<Result<std::shared_ptr<const BucketAccess>>> BucketConfig::bucket_access(
    const std::string& bucket) {
  auto ctx = ctx_;
  uint64_t generation = 0;
  // Served on the caller's loop: every request asks, so no blocking-pool
  // hop unless the bucket changed.
  if (auto cached = ctx->cached_access(bucket, &generation)) co_return cached;
  auto loaded =
      co_await ctx->runtime().blocking([&]() -> Result<std::shared_ptr<const BucketAccess>> {
        SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(Caller{"", true, false}, bucket));
        auto access = std::make_shared<BucketAccess>();
        access->owner = rec.owner;
        access->acl = rec.acl;
        access->public_access_block = rec.public_access_block.value_or(PublicAccessBlock{});
        access->ownership = rec.ownership;
        access->object_lock_enabled = rec.object_lock.enabled;
        access->lifecycle_configured = rec.lifecycle.has_value();
        if (!rec.policy.empty()) {
          auto policy = BucketPolicy::parse(rec.policy, bucket);
          if (!policy.is_ok()) {
            return Status::corruption("stored policy of bucket '" + bucket +
                                      "' no longer parses: " + policy.status().message());
          }
          access->policy = std::make_shared<const BucketPolicy>(std::move(policy).value());
        }
        return std::shared_ptr<const BucketAccess>(std::move(access));
      });
  if (loaded.is_ok()) ctx->remember_access(bucket, generation, *loaded);
  co_return loaded;
}

Task<Result<std::string>> BucketConfig::get_bucket_policy(const Caller& caller,
                                                          const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::policy);
}

Task<Status> BucketConfig::put_bucket_policy(const Caller& caller, const std::string& bucket,
                                             const std::string& policy) {
  SKY_CO_RETURN_IF_ERROR(BucketPolicy::parse(policy, bucket).status());
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.policy = policy; });
}

Task<Status> BucketConfig::delete_bucket_policy(const Caller& caller, const std::string& bucket) {
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.policy.clear(); });
}

Task<Result<std::optional<PublicAccessBlock>>> BucketConfig::get_public_access_block(
    const Caller& caller, const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::public_access_block);
}

Task<Status> BucketConfig::put_public_access_block(const Caller& caller, const std::string& bucket,
                                                   const PublicAccessBlock& settings) {
  co_return co_await change_bucket(caller, bucket,
                                   [&](BucketRecord& r) { r.public_access_block = settings; });
}

Task<Status> BucketConfig::delete_public_access_block(const Caller& caller,
                                                      const std::string& bucket) {
  co_return co_await change_bucket(caller, bucket,
                                   [&](BucketRecord& r) { r.public_access_block.reset(); });
}

Task<Result<std::optional<ObjectOwnership>>> BucketConfig::get_ownership_controls(
    const Caller& caller, const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::ownership);
}

Task<Status> BucketConfig::put_ownership_controls(const Caller& caller, const std::string& bucket,
                                                  ObjectOwnership ownership) {
  co_return co_await change_bucket(caller, bucket,
                                   [&](BucketRecord& r) { r.ownership = ownership; });
}

Task<Status> BucketConfig::delete_ownership_controls(const Caller& caller,
                                                     const std::string& bucket) {
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.ownership.reset(); });
}

Task<Result<BucketEncryption>> BucketConfig::get_bucket_encryption(const Caller& caller,
                                                                   const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::encryption);
}

Task<Status> BucketConfig::put_bucket_encryption(const Caller& caller, const std::string& bucket,
                                                 const BucketEncryption& encryption) {
  if (encryption.mode != SseMode::kS3 && encryption.mode != SseMode::kKms) {
    co_return Status::invalid_argument("default encryption is AES256 or aws:kms");
  }
  const KeyStore* keys = ctx_->key_store();
  if (keys == nullptr) co_return Status::not_supported("no key store: encryption at rest is off");
  BucketEncryption e = encryption;
  if (e.mode == SseMode::kKms && !e.kms_key_id.empty()) {
    SKY_CO_ASSIGN_OR_RETURN(KmsKey key, keys->describe(e.kms_key_id));
    e.kms_key_id = key.id;
  }
  if (e.mode == SseMode::kS3) e.kms_key_id.clear();
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.encryption = e; });
}

Task<Status> BucketConfig::delete_bucket_encryption(const Caller& caller,
                                                    const std::string& bucket) {
  co_return co_await change_bucket(caller, bucket,
                                   [&](BucketRecord& r) { r.encryption = BucketEncryption(); });
}

Task<Result<AccessControlList>> BucketConfig::get_bucket_acl(const Caller& caller,
                                                             const std::string& bucket) {
  co_return co_await read_field(caller, bucket, &BucketRecord::acl);
}

Task<Status> BucketConfig::put_bucket_acl(const Caller& caller, const std::string& bucket,
                                          const AccessControlList& acl) {
  co_return co_await change_bucket(caller, bucket, [&](BucketRecord& r) { r.acl = acl; });
}

}  // namespace skyarray::services
