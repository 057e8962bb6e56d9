// TokenStore (token_store.h).
#include "services/security/token_store.h"

#include <openssl/crypto.h>

#include "common/checksum.h"
#include "common/encoding.h"
#include "common/random.h"
#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/security/user_store.h"

namespace skyarray::services {

namespace {

constexpr std::string_view kPrefix = "skt_";
constexpr size_t kIdBytes = 8;       // 16 hex digits
constexpr size_t kSecretBytes = 32;  // 64 hex digits

std::string token_key(std::string_view id) {
  return "T" + std::string(id);
}

std::string sha256_hex(std::string_view data) {
  auto sum = Checksum::create(ChecksumAlgorithm::kSha256);
  if (!sum.is_ok()) return {};
  (*sum)->update(data);
  return hex_encode((*sum)->finish());
}

Status refused() {
  return Status(StatusCode::kUnauthenticated, "invalid, expired or revoked token");
}

}  // namespace

TokenStore::TokenStore(Runtime& runtime, MetaStore& meta, UserStore& users)
    : rt_(runtime), meta_(meta), users_(users) {}

Task<Result<NewApiToken>> TokenStore::create(const std::string& user_id, const std::string& scope,
                                             std::chrono::seconds lifetime) {
  if (scope != kDicomWeb) co_return Status::invalid_argument("unknown token scope '" + scope + "'");
  if (lifetime.count() <= 0 || lifetime > kMaxLifetime) {
    co_return Status::invalid_argument("token lifetime must be between 1 s and 90 days");
  }
  auto user = co_await users_.get_user(user_id);
  if (!user.is_ok()) co_return user.status();
  auto id = random_bytes(kIdBytes);
  auto secret = random_bytes(kSecretBytes);
  if (!id.is_ok() || !secret.is_ok()) co_return Status::internal("no randomness for a token");
  NewApiToken out;
  out.record.id = hex_encode(*id);
  out.record.user_id = user_id;
  out.record.scope = scope;
  out.record.created = std::chrono::system_clock::now();
  out.record.expires = out.record.created + lifetime;
  const std::string secret_hex = hex_encode(*secret);
  out.record.secret_sha256 = sha256_hex(secret_hex);
  out.token = std::string(kPrefix) + out.record.id + "_" + secret_hex;
  Status s = co_await rt_.blocking([&] {
    MetaBatch batch;
    batch.put(MetaCf::kUsers, token_key(out.record.id), ApiTokenCodec::encode(out.record));
    return meta_.commit(std::move(batch));
  });
  if (!s.is_ok()) co_return s;
  co_return out;
}

Task<Result<std::vector<ApiToken>>> TokenStore::list() {
  co_return co_await rt_.blocking([&]() -> Result<std::vector<ApiToken>> {
    std::vector<ApiToken> out;
    auto it = meta_.scan_prefix(MetaCf::kUsers, "T");
    for (it->seek_to_first(); it->valid(); it->next()) {
      SKY_ASSIGN_OR_RETURN(ApiToken t, ApiTokenCodec::decode(it->value()));
      out.push_back(std::move(t));
    }
    SKY_RETURN_IF_ERROR(it->status());
    return out;
  });
}

Task<Status> TokenStore::revoke(const std::string& id) {
  co_return co_await rt_.blocking([&]() -> Status {
    SKY_ASSIGN_OR_RETURN(auto raw, meta_.get(MetaCf::kUsers, token_key(id)));
    if (!raw) return Status::not_found("no token '" + id + "'");
    MetaBatch batch;
    batch.erase(MetaCf::kUsers, token_key(id));
    return meta_.commit(std::move(batch));
  });
}

Task<Result<ApiToken>> TokenStore::verify(std::string_view presented, std::string_view scope,
                                          Timestamp now) {
  const size_t id_len = 2 * kIdBytes, secret_len = 2 * kSecretBytes;
  if (presented.size() != kPrefix.size() + id_len + 1 + secret_len ||
      presented.substr(0, kPrefix.size()) != kPrefix || presented[kPrefix.size() + id_len] != '_') {
    co_return refused();
  }
  std::string id(presented.substr(kPrefix.size(), id_len));
  std::string hash = sha256_hex(presented.substr(kPrefix.size() + id_len + 1));
  auto raw = co_await rt_.blocking([&] { return meta_.get(MetaCf::kUsers, token_key(id)); });
  if (!raw.is_ok()) co_return raw.status();
  if (!*raw) co_return refused();
  auto token = ApiTokenCodec::decode(**raw);
  if (!token.is_ok()) co_return token.status();
  if (token->secret_sha256.size() != hash.size() ||
      CRYPTO_memcmp(token->secret_sha256.data(), hash.data(), hash.size()) != 0 ||
      token->scope != scope || now >= token->expires) {
    co_return refused();
  }
  co_return std::move(token).value();
}

}  // namespace skyarray::services
