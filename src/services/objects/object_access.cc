// ObjectService: what access control needs — the cached BucketAccess, and
// storage of bucket policies and bucket/object ACLs.
#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/object_service.h"
#include "services/objects/object_service_impl.h"

namespace skyarray::services {

void ObjectService::Impl::forget_access(const std::string& bucket) {
  std::lock_guard lock(access_mu);
  ++access_generation;
  access_cache.erase(bucket);
}

Task<Result<std::shared_ptr<const BucketAccess>>> ObjectService::bucket_access(
    const std::string& bucket) {
  auto impl = impl_;
  uint64_t generation;
  {
    // Served on the caller's loop: every request asks, so no blocking-pool
    // hop unless the bucket changed.
    std::lock_guard lock(impl->access_mu);
    auto it = impl->access_cache.find(bucket);
    if (it != impl->access_cache.end()) co_return it->second;
    generation = impl->access_generation;
  }
  auto loaded = co_await impl->rt.blocking([&]() -> Result<std::shared_ptr<const BucketAccess>> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(Caller{"", true, false}, bucket));
    auto access = std::make_shared<BucketAccess>();
    access->owner = rec.owner;
    access->acl = rec.acl;
    access->public_access_block = rec.public_access_block.value_or(PublicAccessBlock{});
    access->ownership = rec.ownership;
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
  if (loaded.is_ok()) {
    std::lock_guard lock(impl->access_mu);
    if (impl->access_generation == generation) impl->access_cache[bucket] = *loaded;
  }
  co_return loaded;
}

Task<Result<std::string>> ObjectService::get_bucket_policy(const Caller& caller,
                                                           const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<std::string> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, bucket));
    return rec.policy;
  });
}

Task<Status> ObjectService::put_bucket_policy(const Caller& caller, const std::string& bucket,
                                              const std::string& policy) {
  SKY_CO_RETURN_IF_ERROR(BucketPolicy::parse(policy, bucket).status());
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.policy = policy;
      return Status::ok();
    });
  });
}

Task<Status> ObjectService::delete_bucket_policy(const Caller& caller, const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.policy.clear();
      return Status::ok();
    });
  });
}

Task<Result<std::optional<PublicAccessBlock>>> ObjectService::get_public_access_block(
    const Caller& caller, const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<std::optional<PublicAccessBlock>> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, bucket));
    return rec.public_access_block;
  });
}

Task<Status> ObjectService::put_public_access_block(const Caller& caller, const std::string& bucket,
                                                    const PublicAccessBlock& settings) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.public_access_block = settings;
      return Status::ok();
    });
  });
}

Task<Status> ObjectService::delete_public_access_block(const Caller& caller,
                                                       const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.public_access_block.reset();
      return Status::ok();
    });
  });
}

Task<Result<std::optional<ObjectOwnership>>> ObjectService::get_ownership_controls(
    const Caller& caller, const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<std::optional<ObjectOwnership>> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, bucket));
    return rec.ownership;
  });
}

Task<Status> ObjectService::put_ownership_controls(const Caller& caller, const std::string& bucket,
                                                   ObjectOwnership ownership) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.ownership = ownership;
      return Status::ok();
    });
  });
}

Task<Status> ObjectService::delete_ownership_controls(const Caller& caller,
                                                      const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.ownership.reset();
      return Status::ok();
    });
  });
}

Task<Result<AccessControlList>> ObjectService::get_bucket_acl(const Caller& caller,
                                                              const std::string& bucket) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<AccessControlList> {
    SKY_ASSIGN_OR_RETURN(auto rec, impl->load_bucket(caller, bucket));
    return rec.acl;
  });
}

Task<Status> ObjectService::put_bucket_acl(const Caller& caller, const std::string& bucket,
                                           const AccessControlList& acl) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_bucket(*impl, caller, bucket, [&](BucketRecord& r) {
      r.acl = acl;
      return Status::ok();
    });
  });
}

Task<Result<AccessControlList>> ObjectService::get_object_acl(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&]() -> Result<AccessControlList> {
    SKY_RETURN_IF_ERROR(impl->load_bucket(caller, bucket).status());
    if (version_id) {
      SKY_ASSIGN_OR_RETURN(auto rec, impl->load_version(bucket, key, *version_id));
      if (rec.delete_marker) return Status(StatusCode::kMethodNotAllowed, "a delete marker");
      return rec.acl;
    }
    SKY_ASSIGN_OR_RETURN(auto latest, impl->load_latest(bucket, key));
    if (!latest) return Status::not_found("object '" + key + "' does not exist");
    return latest->acl;
  });
}

Task<Result<std::string>> ObjectService::put_object_acl(
    const Caller& caller, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id, const AccessControlList& acl) {
  SKY_CO_RETURN_IF_ERROR(impl_->check_writable(caller, bucket));
  auto impl = impl_;
  co_return co_await impl->rt.blocking([&] {
    return update_object_record(
        *impl, caller, bucket, key, version_id, [&](ObjectRecord& r) { r.acl = acl; }, false);
  });
}

}  // namespace skyarray::services
