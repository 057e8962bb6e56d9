#include "services/objects/object_records.h"

#include "common/encoding.h"
#include "meta/key_codec.h"
#include "services/objects/record_codec.h"

namespace skyarray::services {

std::string version_id_of(uint64_t seq, bool null_version) {
  if (null_version) return "null";
  return hex_u64(seq);
}

Result<std::optional<uint64_t>> parse_version_id(std::string_view id) {
  if (id == "null") return std::optional<uint64_t>();
  std::optional<uint64_t> v = parse_hex_u64(id);
  if (!v) return Status(StatusCode::kNoSuchVersion, "no such version");
  return v;
}

namespace {

Status corrupt(std::string_view what) {
  return Status::corruption(std::string("undecodable ") + std::string(what) + " record");
}

void put_map(RecordWriter& w, const std::map<std::string, std::string>& m) {
  w.varint(m.size());
  for (const auto& [k, v] : m) w.bytes(k).bytes(v);
}

bool get_map(RecordReader& r, std::map<std::string, std::string>* m) {
  uint64_t n;
  if (!r.varint(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.bytes(&k) || !r.bytes(&v)) return false;
    (*m)[std::move(k)] = std::move(v);
  }
  return true;
}

void put_list(RecordWriter& w, const std::vector<std::string>& l) {
  w.varint(l.size());
  for (const auto& s : l) w.bytes(s);
}

bool get_list(RecordReader& r, std::vector<std::string>* l) {
  uint64_t n;
  if (!r.varint(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string s;
    if (!r.bytes(&s)) return false;
    l->push_back(std::move(s));
  }
  return true;
}

void put_content(RecordWriter& w, const ContentHeaders& c) {
  w.bytes(c.content_type).bytes(c.content_encoding).bytes(c.content_disposition);
  w.bytes(c.content_language).bytes(c.cache_control).bytes(c.expires);
}

bool get_content(RecordReader& r, ContentHeaders* c) {
  return r.bytes(&c->content_type) && r.bytes(&c->content_encoding) &&
         r.bytes(&c->content_disposition) && r.bytes(&c->content_language) &&
         r.bytes(&c->cache_control) && r.bytes(&c->expires);
}

// 0 = absent, else 1 + algorithm, digest, composite, parts.
void put_checksum(RecordWriter& w, const std::optional<ObjectChecksum>& c) {
  if (!c) {
    w.u8(0);
    return;
  }
  w.u8(1 + static_cast<uint8_t>(c->algorithm)).bytes(c->digest);
  w.u8(c->composite ? 1 : 0).varint(c->parts);
}

bool get_checksum(RecordReader& r, std::optional<ObjectChecksum>* c) {
  uint8_t tag;
  if (!r.u8(&tag)) return false;
  if (tag == 0) return true;
  if (tag > 1 + static_cast<uint8_t>(ChecksumAlgorithm::kMd5)) return false;
  ObjectChecksum v;
  v.algorithm = static_cast<ChecksumAlgorithm>(tag - 1);
  uint8_t composite;
  if (!r.bytes(&v.digest) || !r.u8(&composite) || !r.uint(&v.parts)) return false;
  v.composite = composite != 0;
  *c = std::move(v);
  return true;
}

bool get_blob(RecordReader& r, BlobRef* blob) {
  std::string enc;
  if (!r.bytes(&enc)) return false;
  auto b = BlobRef::decode(enc);
  if (!b.is_ok()) return false;
  *blob = std::move(b).value();
  return true;
}

// ACL grants: varint n × {u8 grantee, bytes user id, u8 permission bits}.
// A list kept exactly as given (owner_implicit false) starts with one
// marker entry {kExactListMarker, "", 0}; lists written before that
// existed have none and keep the owner's implicit FULL_CONTROL.
constexpr uint8_t kExactListMarker = 0xff;

void put_acl(RecordWriter& w, const AccessControlList& acl) {
  w.varint(acl.grants.size() + (acl.owner_implicit ? 0 : 1));
  if (!acl.owner_implicit) w.u8(kExactListMarker).bytes("").u8(0);
  for (const auto& g : acl.grants) {
    w.u8(static_cast<uint8_t>(g.grantee)).bytes(g.user_id).u8(static_cast<uint8_t>(g.permission));
  }
}

bool get_acl(RecordReader& r, AccessControlList* acl) {
  uint64_t n;
  if (!r.varint(&n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    AclGrant g;
    uint8_t grantee, permission;
    if (!r.u8(&grantee) || !r.bytes(&g.user_id) || !r.u8(&permission)) return false;
    if (grantee == kExactListMarker && i == 0 && g.user_id.empty() && permission == 0) {
      acl->owner_implicit = false;
      continue;
    }
    if (grantee > 2 || (permission != 1 && permission != 2 && permission != 4 && permission != 8 &&
                        permission != 15)) {
      return false;
    }
    g.grantee = static_cast<AclGrantee>(grantee);
    g.permission = static_cast<AclPermission>(permission);
    acl->grants.push_back(std::move(g));
  }
  return true;
}

// Object Lock: u8 bits (mode in bits 0..1, legal hold bit 2), then the
// retain-until date when a mode is set.
// SSE: u8 mode, bytes key id, varint key version, bytes sealed DEK,
// bytes context, u8 bucket key, varint n × bytes salt.
void put_sse(RecordWriter& w, const SseRecord& sse) {
  w.u8(static_cast<uint8_t>(sse.mode)).bytes(sse.key_id).varint(sse.key_version);
  w.bytes(sse.sealed_dek).bytes(sse.kms_context).u8(sse.bucket_key ? 1 : 0);
  w.varint(sse.salts.size());
  for (const auto& salt : sse.salts) w.bytes(salt);
}

bool get_sse(RecordReader& r, SseRecord* sse) {
  uint8_t mode = 0, bucket_key = 0;
  uint64_t n = 0;
  if (!r.u8(&mode) || mode == 0 || mode > 3 || !r.bytes(&sse->key_id) ||
      !r.uint(&sse->key_version) || !r.bytes(&sse->sealed_dek) || !r.bytes(&sse->kms_context) ||
      !r.u8(&bucket_key) || bucket_key > 1 || !r.varint(&n) || n > 10000) {
    return false;
  }
  sse->mode = static_cast<SseMode>(mode);
  sse->bucket_key = bucket_key;
  sse->salts.resize(n);
  for (auto& salt : sse->salts) {
    if (!r.bytes(&salt)) return false;
  }
  return true;
}

void put_lock(RecordWriter& w, const ObjectLock& lock) {
  w.u8(static_cast<uint8_t>(lock.mode) | (lock.legal_hold ? 4 : 0));
  if (lock.mode != RetentionMode::kNone) w.svarint(lock.retain_until_ns);
}

bool get_lock(RecordReader& r, ObjectLock* lock) {
  uint8_t bits;
  if (!r.u8(&bits) || (bits & ~7) != 0 || (bits & 3) == 3) return false;
  lock->mode = static_cast<RetentionMode>(bits & 3);
  lock->legal_hold = bits & 4;
  return lock->mode == RetentionMode::kNone || r.svarint(&lock->retain_until_ns);
}

}  // namespace

std::string BucketRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordVersion).bytes(owner).bytes(region).svarint(created_ns);
  w.u8(static_cast<uint8_t>(versioning));
  put_map(w, tags);
  w.varint(cors.size());
  for (const auto& rule : cors) {
    w.bytes(rule.id);
    put_list(w, rule.allowed_origins);
    put_list(w, rule.allowed_methods);
    put_list(w, rule.allowed_headers);
    put_list(w, rule.expose_headers);
    w.u8(rule.max_age_seconds ? 1 : 0).svarint(rule.max_age_seconds.value_or(0));
  }
  // Access extension, only when set (records without it keep their bytes):
  // policy, ACL, then (optional) u8 PublicAccessBlock (0 = none, else
  // 0x10 | bits) and u8 ObjectOwnership (0 = none), then (optional) the
  // Object Lock configuration, which needs every field before it, then
  // (optional) the lifecycle configuration as bytes
  // (lifecycle_configuration.h; empty: none), then (optional) the default
  // encryption: u8 mode, bytes key id, u8 bucket key. Each needs every
  // field before it: an Object Lock byte of 0 stands for no Object Lock.
  const bool encrypted = encryption.mode != SseMode::kNone;
  const bool locked = object_lock.enabled;
  const bool controls = public_access_block || ownership || locked || lifecycle || encrypted;
  if (!policy.empty() || !acl.is_default() || controls) {
    w.bytes(policy);
    put_acl(w, acl);
    if (controls) {
      w.u8(public_access_block ? 0x10 | public_access_block->bits() : 0);
      w.u8(ownership ? static_cast<uint8_t>(*ownership) : 0);
    }
    if (locked) {
      w.u8(1 | static_cast<uint8_t>(static_cast<uint8_t>(object_lock.default_mode) << 1));
      w.varint(object_lock.default_days).varint(object_lock.default_years);
    } else if (lifecycle || encrypted) {
      w.u8(0);
    }
    if (lifecycle) {
      w.bytes(lifecycle->encode());
    } else if (encrypted) {
      w.bytes("");
    }
    if (encrypted) {
      w.u8(static_cast<uint8_t>(encryption.mode)).bytes(encryption.kms_key_id);
      w.u8(encryption.bucket_key ? 1 : 0);
    }
  }
  return w.take();
}

Result<BucketRecord> BucketRecord::decode(std::string_view bytes) {
  RecordReader r(bytes);
  BucketRecord b;
  uint8_t version = 0, versioning = 0;
  uint64_t n = 0;
  if (!r.u8(&version) || version != kRecordVersion || !r.bytes(&b.owner) || !r.bytes(&b.region) ||
      !r.svarint(&b.created_ns) || !r.u8(&versioning) || versioning > 2 || !get_map(r, &b.tags) ||
      !r.varint(&n)) {
    return corrupt("bucket");
  }
  b.versioning = static_cast<VersioningState>(versioning);
  for (uint64_t i = 0; i < n; ++i) {
    CorsRule rule;
    uint8_t has_age;
    int64_t age;
    if (!r.bytes(&rule.id) || !get_list(r, &rule.allowed_origins) ||
        !get_list(r, &rule.allowed_methods) || !get_list(r, &rule.allowed_headers) ||
        !get_list(r, &rule.expose_headers) || !r.u8(&has_age) || !r.svarint(&age)) {
      return corrupt("bucket");
    }
    if (has_age) rule.max_age_seconds = age;
    b.cors.push_back(std::move(rule));
  }
  if (!r.done() && (!r.bytes(&b.policy) || !get_acl(r, &b.acl))) return corrupt("bucket");
  if (!r.done()) {
    uint8_t pab = 0, ownership = 0;
    if (!r.u8(&pab) || !r.u8(&ownership) || (pab != 0 && (pab & 0xf0) != 0x10) || ownership > 3) {
      return corrupt("bucket");
    }
    if (pab) b.public_access_block = PublicAccessBlock::from_bits(pab & 0x0f);
    if (ownership) b.ownership = static_cast<ObjectOwnership>(ownership);
  }
  if (!r.done()) {
    uint8_t lock = 0;
    if (!r.u8(&lock) || lock != (lock & 7) || (lock >> 1) == 3) return corrupt("bucket");
    if (lock & 1) {
      if (!r.uint(&b.object_lock.default_days) || !r.uint(&b.object_lock.default_years)) {
        return corrupt("bucket");
      }
      b.object_lock.enabled = true;
      b.object_lock.default_mode = static_cast<RetentionMode>(lock >> 1);
    } else if (lock != 0 || r.done()) {
      return corrupt("bucket");  // 0 only stands before a lifecycle or encryption
    }
  }
  if (!r.done()) {
    std::string bytes;
    if (!r.bytes(&bytes)) return corrupt("bucket");
    if (!bytes.empty()) {
      SKY_ASSIGN_OR_RETURN(auto lifecycle, LifecycleConfiguration::decode(bytes));
      b.lifecycle = std::move(lifecycle);
    }
  }
  if (!r.done()) {
    uint8_t mode = 0, bucket_key = 0;
    if (!r.u8(&mode) || (mode != 1 && mode != 2) || !r.bytes(&b.encryption.kms_key_id) ||
        !r.u8(&bucket_key) || bucket_key > 1) {
      return corrupt("bucket");
    }
    b.encryption.mode = static_cast<SseMode>(mode);
    b.encryption.bucket_key = bucket_key;
  }
  if (!r.done()) return corrupt("bucket");
  return b;
}

std::string ObjectRecord::encode() const {
  RecordWriter w;
  uint8_t flags = (null_version ? 1 : 0) | (delete_marker ? 2 : 0) | (appendable ? 4 : 0) |
                  (evicted ? 8 : 0) | (upload_id.empty() ? 0 : 16) | (lock.empty() ? 0 : 32) |
                  (sse.empty() ? 0 : 64);
  w.u8(kRecordVersion).varint(seq).u8(flags).svarint(mtime_ns).varint(size);
  w.bytes(etag).bytes(owner).bytes(storage_class);
  put_content(w, content);
  put_map(w, user_metadata);
  put_map(w, tags);
  put_checksum(w, checksum);
  w.varint(parts.size());
  for (const auto& p : parts) {
    w.varint(p.number).varint(p.size).bytes(p.etag);
    put_checksum(w, p.checksum);
  }
  w.bytes(blob.encode());
  if (!upload_id.empty()) w.bytes(upload_id);
  if (!lock.empty()) put_lock(w, lock);    // extension, only when set
  if (!sse.empty()) put_sse(w, sse);       // extension, only when set
  if (!acl.is_default()) put_acl(w, acl);  // extension, only when set
  return w.take();
}

Result<ObjectRecord> ObjectRecord::decode(std::string_view bytes) {
  RecordReader r(bytes);
  ObjectRecord o;
  uint8_t version = 0, flags = 0;
  uint64_t n = 0;
  if (!r.u8(&version) || version != kRecordVersion || !r.varint(&o.seq) || !r.u8(&flags) ||
      !r.svarint(&o.mtime_ns) || !r.varint(&o.size) || !r.bytes(&o.etag) || !r.bytes(&o.owner) ||
      !r.bytes(&o.storage_class) || !get_content(r, &o.content) || !get_map(r, &o.user_metadata) ||
      !get_map(r, &o.tags) || !get_checksum(r, &o.checksum) || !r.varint(&n)) {
    return corrupt("object");
  }
  o.null_version = flags & 1;
  o.delete_marker = flags & 2;
  o.appendable = flags & 4;
  o.evicted = flags & 8;
  for (uint64_t i = 0; i < n; ++i) {
    ObjectPart p;
    if (!r.uint(&p.number) || !r.varint(&p.size) || !r.bytes(&p.etag) ||
        !get_checksum(r, &p.checksum)) {
      return corrupt("object");
    }
    o.parts.push_back(std::move(p));
  }
  if (!get_blob(r, &o.blob)) return corrupt("object");
  if ((flags & 16) && (!r.bytes(&o.upload_id) || o.upload_id.empty())) return corrupt("object");
  if ((flags & 32) && !get_lock(r, &o.lock)) return corrupt("object");
  if ((flags & 64) && !get_sse(r, &o.sse)) return corrupt("object");
  if (!r.done() && !get_acl(r, &o.acl)) return corrupt("object");
  if (!r.done()) return corrupt("object");
  return o;
}

ObjectInfo ObjectRecord::to_info(const std::string& bucket, const std::string& key,
                                 bool is_latest) const {
  ObjectInfo info;
  info.bucket = bucket;
  info.key = key;
  info.version_id = version_id();
  info.is_latest = is_latest;
  info.delete_marker = delete_marker;
  info.evicted = evicted;
  info.size = size;
  info.etag = etag;
  info.last_modified = from_ns(mtime_ns);
  info.owner = owner;
  info.storage_class = storage_class;
  info.content = content;
  info.user_metadata = user_metadata;
  info.tag_count = tags.size();
  info.checksum = checksum;
  info.parts = parts;
  info.appendable = appendable;
  info.lock = lock;
  info.sse = sse.info();
  return info;
}

std::string UploadRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordVersion).bytes(owner).svarint(initiated_ns).bytes(storage_class);
  put_content(w, content);
  put_map(w, user_metadata);
  put_map(w, tags);
  // Bit 7: FULL_OBJECT checksum type; bit 6: an Object Lock follows; bit
  // 5: an encryption follows.
  uint8_t alg = checksum_algorithm ? 1 + static_cast<uint8_t>(*checksum_algorithm) : 0;
  if (alg && checksum_type == ChecksumType::kFullObject) alg |= 0x80;
  if (!lock.empty()) alg |= 0x40;
  if (!sse.empty()) alg |= 0x20;
  w.u8(alg);
  if (!lock.empty()) put_lock(w, lock);    // extension, only when set
  if (!sse.empty()) put_sse(w, sse);       // extension, only when set
  if (!acl.is_default()) put_acl(w, acl);  // extension, only when set
  return w.take();
}

Result<UploadRecord> UploadRecord::decode(std::string_view bytes) {
  RecordReader r(bytes);
  UploadRecord u;
  uint8_t version = 0, alg = 0;
  if (!r.u8(&version) || version != kRecordVersion || !r.bytes(&u.owner) ||
      !r.svarint(&u.initiated_ns) || !r.bytes(&u.storage_class) || !get_content(r, &u.content) ||
      !get_map(r, &u.user_metadata) || !get_map(r, &u.tags) || !r.u8(&alg) ||
      (alg & 0x1f) > 1 + static_cast<uint8_t>(ChecksumAlgorithm::kMd5) ||
      ((alg & 0x40) && !get_lock(r, &u.lock)) || ((alg & 0x20) && !get_sse(r, &u.sse)) ||
      (!r.done() && !get_acl(r, &u.acl)) || !r.done()) {
    return corrupt("upload");
  }
  if (alg & 0x80) u.checksum_type = ChecksumType::kFullObject;
  alg &= 0x1f;
  if (alg != 0) u.checksum_algorithm = static_cast<ChecksumAlgorithm>(alg - 1);
  return u;
}

std::string PartRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordVersion).varint(size).bytes(etag);
  put_checksum(w, checksum);
  w.svarint(mtime_ns).bytes(blob.encode());
  if (!sse_salt.empty()) w.bytes(sse_salt);  // extension, only when set
  return w.take();
}

Result<PartRecord> PartRecord::decode(std::string_view bytes) {
  RecordReader r(bytes);
  PartRecord p;
  uint8_t version = 0;
  if (!r.u8(&version) || version != kRecordVersion || !r.varint(&p.size) || !r.bytes(&p.etag) ||
      !get_checksum(r, &p.checksum) || !r.svarint(&p.mtime_ns) || !get_blob(r, &p.blob) ||
      (!r.done() && (!r.bytes(&p.sse_salt) || p.sse_salt.empty())) || !r.done()) {
    return corrupt("part");
  }
  return p;
}

namespace keys {

std::string bucket(std::string_view b) {
  return KeyCodec().add_raw("B").add_string(b).key();
}
std::string buckets_begin() {
  return "B";
}
std::string latest(std::string_view b, std::string_view k) {
  return KeyCodec().add_raw("L").add_string(b).add_string(k).key();
}
std::string latest_prefix(std::string_view b, std::string_view prefix) {
  return KeyCodec().add_raw("L").add_string(b).add_string_prefix(prefix).key();
}
std::string version(std::string_view b, std::string_view k, uint64_t seq) {
  return KeyCodec().add_raw("V").add_string(b).add_string(k).add_inverted_u64(seq).key();
}
std::string versions_of(std::string_view b, std::string_view k) {
  return KeyCodec().add_raw("V").add_string(b).add_string(k).key();
}
std::string versions_prefix(std::string_view b, std::string_view prefix) {
  return KeyCodec().add_raw("V").add_string(b).add_string_prefix(prefix).key();
}
std::string upload(std::string_view b, std::string_view k, std::string_view id) {
  return KeyCodec().add_raw("M").add_string(b).add_string(k).add_string(id).key();
}
std::string uploads_prefix(std::string_view b, std::string_view key_prefix) {
  return KeyCodec().add_raw("M").add_string(b).add_string_prefix(key_prefix).key();
}
std::string part(std::string_view b, std::string_view k, std::string_view id, uint32_t number) {
  return KeyCodec().add_raw("P").add_string(b).add_string(k).add_string(id).add_u64(number).key();
}
std::string parts_of(std::string_view b, std::string_view k, std::string_view id) {
  return KeyCodec().add_raw("P").add_string(b).add_string(k).add_string(id).key();
}
std::string objects_counter(std::string_view b) {
  return KeyCodec().add_raw("S").add_string(b).add_raw("o").key();
}
std::string bytes_counter(std::string_view b) {
  return KeyCodec().add_raw("S").add_string(b).add_raw("b").key();
}

bool parse_bucket(std::string_view k, std::string* b) {
  KeyReader r(k);
  return r.skip_raw("B") && r.read_string(b) && r.done();
}
bool parse_latest(std::string_view k, std::string* b, std::string* key) {
  KeyReader r(k);
  return r.skip_raw("L") && r.read_string(b) && r.read_string(key) && r.done();
}
bool parse_version(std::string_view k, std::string* b, std::string* key, uint64_t* seq) {
  KeyReader r(k);
  return r.skip_raw("V") && r.read_string(b) && r.read_string(key) && r.read_inverted_u64(seq) &&
         r.done();
}
bool parse_upload(std::string_view k, std::string* b, std::string* key, std::string* id) {
  KeyReader r(k);
  return r.skip_raw("M") && r.read_string(b) && r.read_string(key) && r.read_string(id) && r.done();
}
bool parse_part(std::string_view k, uint32_t* number) {
  KeyReader r(k);
  std::string b, key, id;
  uint64_t n;
  if (!(r.skip_raw("P") && r.read_string(&b) && r.read_string(&key) && r.read_string(&id) &&
        r.read_u64(&n) && r.done())) {
    return false;
  }
  *number = static_cast<uint32_t>(n);
  return true;
}

}  // namespace keys

}  // namespace skyarray::services
