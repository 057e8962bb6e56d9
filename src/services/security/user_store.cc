#include "services/security/user_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <unordered_map>

#include "common/encoding.h"
#include "common/mutex.h"
#include "common/runtime.h"
#include "common/time.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "services/security/secret_box.h"
#include "services/security/user_codec.h"

namespace skyarray::services {

namespace {

std::string user_key(std::string_view id) {
  return KeyCodec().add_raw("U").add_string(id).key();
}
std::string access_key(std::string_view id) {
  return KeyCodec().add_raw("K").add_string(id).key();
}
std::string index_key(std::string_view user, std::string_view key) {
  return KeyCodec().add_raw("I").add_string(user).add_string(key).key();
}
std::string index_prefix(std::string_view user) {
  return KeyCodec().add_raw("I").add_string(user).key();
}

bool valid_chars(std::string_view s, std::string_view extra, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Random characters from `alphabet` (rejection sampling: no modulo bias).
std::string random_string(std::string_view alphabet, size_t n) {
  std::string out;
  while (out.size() < n) {
    unsigned char buf[64];
    RAND_bytes(buf, sizeof(buf));
    for (unsigned char b : buf) {
      size_t limit = 256 - 256 % alphabet.size();
      if (b < limit && out.size() < n) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

}  // namespace

struct UserStore::Impl {
  Runtime& rt;
  MetaStore& meta;
  SecretBox box;
  Mutex cache_mu;
  std::unordered_map<std::string, Credential> cache GUARDED_BY(cache_mu);  // by access key id

  Impl(Runtime& r, MetaStore& m, SecretBox b) : rt(r), meta(m), box(std::move(b)) {}

  Result<std::string> seal(std::string_view plaintext, std::string_view aad) const {
    return box.seal(plaintext, aad);
  }
  Result<std::string> open_sealed(std::string_view sealed, std::string_view aad) const {
    return box.open(sealed, aad);
  }

  Result<User> create_user(const std::string& id, const std::string& name, bool root) {
    if (!valid_chars(id, "_.@+=,-", 1, 64)) {
      return Status::invalid_argument("user id must be 1-64 of [A-Za-z0-9_.@+=,-]");
    }
    MutexLock lock(&cache_mu);  // serialises creations too
    SKY_ASSIGN_OR_RETURN(auto existing, meta.get(MetaCf::kUsers, user_key(id)));
    if (existing) return Status::already_exists("user '" + id + "' exists");
    User u{id, name, std::chrono::system_clock::now(), root};
    MetaBatch batch;
    batch.put(MetaCf::kUsers, user_key(id), UserCodec::encode(u));
    SKY_RETURN_IF_ERROR(meta.commit(std::move(batch)));
    return u;
  }

  Result<User> get_user(const std::string& id) {
    SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kUsers, user_key(id)));
    if (!raw) return Status::not_found("user '" + id + "' does not exist");
    return UserCodec::decode_user(*raw);
  }

  Result<NewAccessKey> add_key(const std::string& user_id, std::string key_id, std::string secret) {
    if (!valid_chars(key_id, "_.-", 3, 128)) {
      return Status::invalid_argument("access key id must be 3-128 of [A-Za-z0-9_.-]");
    }
    if (secret.size() < 8 || secret.size() > 256) {
      return Status::invalid_argument("secret key must be 8-256 characters");
    }
    MutexLock lock(&cache_mu);
    SKY_ASSIGN_OR_RETURN(auto user, meta.get(MetaCf::kUsers, user_key(user_id)));
    if (!user) return Status::not_found("user '" + user_id + "' does not exist");
    SKY_ASSIGN_OR_RETURN(auto existing, meta.get(MetaCf::kUsers, access_key(key_id)));
    if (existing) return Status::already_exists("access key exists");
    SKY_ASSIGN_OR_RETURN(auto sealed, seal(secret, key_id));
    AccessKey k{key_id, user_id, std::chrono::system_clock::now(), true};
    MetaBatch batch;
    batch.put(MetaCf::kUsers, access_key(key_id), UserCodec::encode(StoredAccessKey{k, sealed}));
    batch.put(MetaCf::kUsers, index_key(user_id, key_id), "");
    SKY_RETURN_IF_ERROR(meta.commit(std::move(batch)));
    return NewAccessKey{std::move(k), std::move(secret)};
  }

  Result<NewAccessKey> generate_key(const std::string& user_id) {
    std::string id = "SK" + random_string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 18);
    std::string secret =
        random_string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
    return add_key(user_id, std::move(id), std::move(secret));
  }

  Result<std::vector<AccessKey>> list_keys(const std::string& user_id) {
    SKY_RETURN_IF_ERROR(get_user(user_id).status());
    std::vector<AccessKey> out;
    auto it = meta.scan_prefix(MetaCf::kUsers, index_prefix(user_id));
    for (it->seek_to_first(); it->valid(); it->next()) {
      KeyReader r(it->key());
      std::string user, key;
      if (!r.skip_raw("I") || !r.read_string(&user) || !r.read_string(&key)) {
        return Status::corruption("bad key index entry");
      }
      SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kUsers, access_key(key)));
      if (!raw) continue;
      SKY_ASSIGN_OR_RETURN(auto rec, UserCodec::decode_key(*raw));
      out.push_back(std::move(rec.key));
    }
    SKY_RETURN_IF_ERROR(it->status());
    return out;
  }

  Status revoke_key(const std::string& key_id) {
    MutexLock lock(&cache_mu);
    SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kUsers, access_key(key_id)));
    if (!raw) return Status::not_found("access key does not exist");
    SKY_ASSIGN_OR_RETURN(auto rec, UserCodec::decode_key(*raw));
    MetaBatch batch;
    batch.erase(MetaCf::kUsers, access_key(key_id));
    batch.erase(MetaCf::kUsers, index_key(rec.key.user_id, key_id));
    SKY_RETURN_IF_ERROR(meta.commit(std::move(batch)));
    cache.erase(key_id);
    return Status::ok();
  }

  Status delete_user(const std::string& id) {
    SKY_ASSIGN_OR_RETURN(auto user, get_user(id));
    if (user.root) return Status::permission_denied("the root user cannot be deleted");
    SKY_ASSIGN_OR_RETURN(auto keys, list_keys(id));
    MutexLock lock(&cache_mu);
    MetaBatch batch;
    for (const auto& k : keys) {
      batch.erase(MetaCf::kUsers, access_key(k.access_key_id));
      batch.erase(MetaCf::kUsers, index_key(id, k.access_key_id));
      cache.erase(k.access_key_id);
    }
    batch.erase(MetaCf::kUsers, user_key(id));
    return meta.commit(std::move(batch));
  }

  Result<Credential> lookup(const std::string& key_id) {
    {
      MutexLock lock(&cache_mu);
      auto hit = cache.find(key_id);
      if (hit != cache.end()) return hit->second;
    }
    auto unknown = [] { return Status(StatusCode::kUnauthenticated, "unknown access key"); };
    SKY_ASSIGN_OR_RETURN(auto raw, meta.get(MetaCf::kUsers, access_key(key_id)));
    if (!raw) return unknown();
    SKY_ASSIGN_OR_RETURN(auto rec, UserCodec::decode_key(*raw));
    if (!rec.key.active) return unknown();
    SKY_ASSIGN_OR_RETURN(auto user, get_user(rec.key.user_id));
    SKY_ASSIGN_OR_RETURN(auto secret, open_sealed(rec.sealed_secret, key_id));
    Credential c{key_id, std::move(secret), user.user_id, user.root};
    MutexLock lock(&cache_mu);
    // Only cache if still present: a revoke may have run meanwhile.
    SKY_ASSIGN_OR_RETURN(auto again, meta.get(MetaCf::kUsers, access_key(key_id)));
    if (!again) return unknown();
    cache[key_id] = c;
    return c;
  }
};

UserStore::UserStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UserStore::~UserStore() = default;

Result<std::unique_ptr<UserStore>> UserStore::open(Runtime& runtime, MetaStore& meta,
                                                   const std::string& data_dir) {
  SKY_ASSIGN_OR_RETURN(auto key, SecretBox::open_master(data_dir));
  return std::unique_ptr<UserStore>(
      new UserStore(std::make_unique<Impl>(runtime, meta, std::move(key))));
}

Result<std::optional<NewAccessKey>> UserStore::bootstrap_root() {
  SKY_ASSIGN_OR_RETURN(auto existing, impl_->meta.get(MetaCf::kUsers, user_key(kRootUserId)));
  if (existing) return std::optional<NewAccessKey>();
  const char* env_key = std::getenv(kRootAccessKeyEnv);
  const char* env_secret = std::getenv(kRootSecretKeyEnv);
  if ((env_key && *env_key) != (env_secret && *env_secret)) {
    return Status::invalid_argument(std::string("set both ") + kRootAccessKeyEnv + " and " +
                                    kRootSecretKeyEnv + ", or neither");
  }
  SKY_RETURN_IF_ERROR(impl_->create_user(kRootUserId, "root", true).status());
  Result<NewAccessKey> key = (env_key && *env_key)
                                 ? impl_->add_key(kRootUserId, env_key, env_secret)
                                 : impl_->generate_key(kRootUserId);
  if (!key.is_ok()) {
    // Leave no keyless root behind: the next start retries the bootstrap.
    MetaBatch batch;
    batch.erase(MetaCf::kUsers, user_key(kRootUserId));
    (void)impl_->meta.commit(std::move(batch));
    return key.status();
  }
  return std::optional<NewAccessKey>(std::move(key).value());
}

Task<Result<User>> UserStore::create_user(const std::string& user_id,
                                          const std::string& display_name) {
  co_return co_await impl_->rt.blocking(
      [&] { return impl_->create_user(user_id, display_name, false); });
}

Task<Result<std::vector<User>>> UserStore::list_users() {
  co_return co_await impl_->rt.blocking([&]() -> Result<std::vector<User>> {
    std::vector<User> out;
    auto it = impl_->meta.scan_prefix(MetaCf::kUsers, "U");
    for (it->seek_to_first(); it->valid(); it->next()) {
      SKY_ASSIGN_OR_RETURN(auto u, UserCodec::decode_user(it->value()));
      out.push_back(std::move(u));
    }
    SKY_RETURN_IF_ERROR(it->status());
    return out;
  });
}

Task<Result<User>> UserStore::get_user(const std::string& user_id) {
  co_return co_await impl_->rt.blocking([&] { return impl_->get_user(user_id); });
}

Task<Status> UserStore::delete_user(const std::string& user_id) {
  co_return co_await impl_->rt.blocking([&] { return impl_->delete_user(user_id); });
}

Task<Result<NewAccessKey>> UserStore::create_key(const std::string& user_id) {
  co_return co_await impl_->rt.blocking([&] { return impl_->generate_key(user_id); });
}

Task<Result<NewAccessKey>> UserStore::import_key(const std::string& user_id,
                                                 const std::string& access_key_id,
                                                 const std::string& secret) {
  co_return co_await impl_->rt.blocking(
      [&] { return impl_->add_key(user_id, access_key_id, secret); });
}

Task<Result<std::vector<AccessKey>>> UserStore::list_keys(const std::string& user_id) {
  co_return co_await impl_->rt.blocking([&] { return impl_->list_keys(user_id); });
}

Task<Status> UserStore::revoke_key(const std::string& access_key_id) {
  co_return co_await impl_->rt.blocking([&] { return impl_->revoke_key(access_key_id); });
}

Task<Result<Credential>> UserStore::lookup(const std::string& access_key_id) {
  co_return co_await impl_->rt.cached_or_blocking([&] { return impl_->lookup(access_key_id); });
}

}  // namespace skyarray::services
