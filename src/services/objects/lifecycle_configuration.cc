// LifecycleConfiguration: rules, validation, matching, due dates
// (lifecycle_configuration.h).
#include "services/objects/lifecycle_configuration.h"

#include <algorithm>
#include <set>

#include "services/objects/record_codec.h"

namespace skyarray::services {

namespace {

constexpr uint8_t kLifecycleFormat = 1;

// Action bits of the encoding.
constexpr uint32_t kExpDays = 1;
constexpr uint32_t kExpDate = 2;
constexpr uint32_t kEodmGiven = 4;
constexpr uint32_t kEodmValue = 8;
constexpr uint32_t kNoncurrentDays = 16;
constexpr uint32_t kNewerNoncurrent = 32;
constexpr uint32_t kAbortDays = 64;

Status invalid(std::string why) {
  return Status::invalid_argument(std::move(why));
}

Status validate_rule(const LifecycleRule& r) {
  if (r.id.size() > kMaxLifecycleRuleId) {
    return invalid("ID length should not exceed allowed limit of 255");
  }
  if (!r.expires_current() && !r.expired_object_delete_marker && !r.noncurrent_days &&
      !r.newer_noncurrent_versions && !r.abort_days) {
    return invalid("At least one action needs to be specified in a rule");
  }
  if (r.expiration_days && r.expiration_date_ns) {
    return invalid("Expiration cannot specify both Days and Date");
  }
  if (r.expired_object_delete_marker && r.expires_current()) {
    return invalid(
        "ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle "
        "Expiration Policy");
  }
  if (r.expiration_days && *r.expiration_days == 0) {
    return invalid("'Days' for Expiration action must be a positive integer");
  }
  if (r.expiration_date_ns && *r.expiration_date_ns % kNanosPerDay != 0) {
    return invalid("'Date' must be at midnight GMT");
  }
  if (r.noncurrent_days && *r.noncurrent_days == 0) {
    return invalid(
        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive "
        "integer");
  }
  if (r.newer_noncurrent_versions) {
    if (!r.noncurrent_days) {
      return invalid("NewerNoncurrentVersions needs NoncurrentDays in NoncurrentVersionExpiration");
    }
    if (*r.newer_noncurrent_versions == 0 ||
        *r.newer_noncurrent_versions > kMaxNewerNoncurrentVersions) {
      return invalid("'NewerNoncurrentVersions' must be an integer between 1 and 100");
    }
  }
  if (r.abort_days && *r.abort_days == 0) {
    return invalid(
        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a "
        "positive integer");
  }
  const LifecycleFilter& f = r.filter;
  const bool object_filter = !f.tags.empty() || f.size_greater_than || f.size_less_than;
  if (object_filter && r.expired_object_delete_marker.value_or(false)) {
    return invalid("ExpiredObjectDeleteMarker cannot be specified with object tags or sizes");
  }
  if (object_filter && r.abort_days) {
    return invalid("AbortIncompleteMultipartUpload cannot be specified with object tags or sizes");
  }
  if (f.size_greater_than && f.size_less_than && *f.size_greater_than >= *f.size_less_than) {
    return invalid("ObjectSizeGreaterThan must be less than ObjectSizeLessThan");
  }
  for (const auto& [k, v] : f.tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      return invalid("tag key must be 1..128 bytes, value at most 256");
    }
  }
  return Status::ok();
}

}  // namespace

bool LifecycleFilter::matches(std::string_view key, const TagSet& object_tags,
                              uint64_t size) const {
  if (!key.starts_with(prefix)) return false;
  for (const auto& [k, v] : tags) {
    auto it = object_tags.find(k);
    if (it == object_tags.end() || it->second != v) return false;
  }
  if (size_greater_than && !(size > *size_greater_than)) return false;
  if (size_less_than && !(size < *size_less_than)) return false;
  return true;
}

Status validate_lifecycle_configuration(const LifecycleConfiguration& config) {
  if (config.rules.empty()) return invalid("a lifecycle configuration needs at least one Rule");
  if (config.rules.size() > kMaxLifecycleRules) {
    return invalid("a lifecycle configuration holds at most 1000 rules");
  }
  std::set<std::string_view> ids;
  for (const auto& r : config.rules) {
    SKY_RETURN_IF_ERROR(validate_rule(r));
    if (!ids.insert(r.id).second) {
      return invalid("Rule ID must be unique. Found same ID for more than one rule");
    }
  }
  return Status::ok();
}

int64_t lifecycle_due_ns(int64_t since_ns, uint32_t days) {
  const int64_t t = since_ns + int64_t{days} * kNanosPerDay;
  // Ceiling to a multiple of a day (floor division for dates before 1970).
  int64_t q = t / kNanosPerDay;
  if (t % kNanosPerDay != 0 && t > 0) ++q;
  return q * kNanosPerDay;
}

std::optional<LifecycleExpiration> current_expiration(const LifecycleConfiguration& config,
                                                      std::string_view key, const TagSet& tags,
                                                      uint64_t size, int64_t mtime_ns) {
  std::optional<LifecycleExpiration> best;
  for (const auto& r : config.rules) {
    if (!r.enabled || !r.expires_current() || !r.filter.matches(key, tags, size)) continue;
    const int64_t due =
        r.expiration_days ? lifecycle_due_ns(mtime_ns, *r.expiration_days) : *r.expiration_date_ns;
    if (!best || due < best->date_ns) best = LifecycleExpiration{due, r.id};
  }
  return best;
}

std::vector<std::string> lifecycle_prefixes(const LifecycleConfiguration& config) {
  std::vector<std::string> all;
  for (const auto& r : config.rules) {
    if (r.enabled) all.push_back(r.filter.prefix);
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  for (auto& p : all) {
    if (!out.empty() && p.starts_with(out.back())) continue;  // covered by a shorter one
    out.push_back(std::move(p));
  }
  return out;
}

std::string LifecycleConfiguration::encode() const {
  RecordWriter w;
  w.u8(kLifecycleFormat).varint(rules.size());
  for (const auto& r : rules) {
    const LifecycleFilter& f = r.filter;
    w.bytes(r.id).u8((r.enabled ? 1 : 0) | static_cast<uint8_t>(static_cast<uint8_t>(f.form) << 1));
    w.bytes(f.prefix).varint(f.tags.size());
    for (const auto& [k, v] : f.tags) w.bytes(k).bytes(v);
    w.u8((f.size_greater_than ? 1 : 0) | (f.size_less_than ? 2 : 0));
    if (f.size_greater_than) w.varint(*f.size_greater_than);
    if (f.size_less_than) w.varint(*f.size_less_than);
    uint32_t bits = (r.expiration_days ? kExpDays : 0) | (r.expiration_date_ns ? kExpDate : 0) |
                    (r.expired_object_delete_marker ? kEodmGiven : 0) |
                    (r.expired_object_delete_marker.value_or(false) ? kEodmValue : 0) |
                    (r.noncurrent_days ? kNoncurrentDays : 0) |
                    (r.newer_noncurrent_versions ? kNewerNoncurrent : 0) |
                    (r.abort_days ? kAbortDays : 0);
    w.varint(bits);
    if (r.expiration_days) w.varint(*r.expiration_days);
    if (r.expiration_date_ns) w.svarint(*r.expiration_date_ns);
    if (r.noncurrent_days) w.varint(*r.noncurrent_days);
    if (r.newer_noncurrent_versions) w.varint(*r.newer_noncurrent_versions);
    if (r.abort_days) w.varint(*r.abort_days);
  }
  return w.take();
}

Result<LifecycleConfiguration> LifecycleConfiguration::decode(std::string_view bytes) {
  const Status corrupt = Status::corruption("undecodable lifecycle configuration");
  RecordReader rd(bytes);
  uint8_t format = 0;
  uint64_t n = 0;
  if (!rd.u8(&format) || format != kLifecycleFormat || !rd.varint(&n) || n > kMaxLifecycleRules) {
    return corrupt;
  }
  LifecycleConfiguration c;
  for (uint64_t i = 0; i < n; ++i) {
    LifecycleRule r;
    LifecycleFilter& f = r.filter;
    uint8_t head = 0, sizes = 0;
    uint64_t tags = 0, bits = 0;
    if (!rd.bytes(&r.id) || !rd.u8(&head) || (head >> 1) > 7 || !rd.bytes(&f.prefix) ||
        !rd.varint(&tags)) {
      return corrupt;
    }
    r.enabled = head & 1;
    f.form = static_cast<FilterForm>(head >> 1);
    for (uint64_t t = 0; t < tags; ++t) {
      std::string k, v;
      if (!rd.bytes(&k) || !rd.bytes(&v)) return corrupt;
      f.tags[std::move(k)] = std::move(v);
    }
    if (!rd.u8(&sizes) || sizes > 3) return corrupt;
    auto read_u64 = [&](std::optional<uint64_t>* out) {
      uint64_t v = 0;
      if (!rd.varint(&v)) return false;
      *out = v;
      return true;
    };
    auto read_u32 = [&](std::optional<uint32_t>* out) {
      uint64_t v = 0;
      if (!rd.varint(&v) || v > UINT32_MAX) return false;
      *out = static_cast<uint32_t>(v);
      return true;
    };
    if ((sizes & 1) && !read_u64(&f.size_greater_than)) return corrupt;
    if ((sizes & 2) && !read_u64(&f.size_less_than)) return corrupt;
    if (!rd.varint(&bits) || bits > 127) return corrupt;
    if ((bits & kExpDays) && !read_u32(&r.expiration_days)) return corrupt;
    if (bits & kExpDate) {
      int64_t d = 0;
      if (!rd.svarint(&d)) return corrupt;
      r.expiration_date_ns = d;
    }
    if (bits & kEodmGiven) r.expired_object_delete_marker = (bits & kEodmValue) != 0;
    if ((bits & kNoncurrentDays) && !read_u32(&r.noncurrent_days)) return corrupt;
    if ((bits & kNewerNoncurrent) && !read_u32(&r.newer_noncurrent_versions)) return corrupt;
    if ((bits & kAbortDays) && !read_u32(&r.abort_days)) return corrupt;
    c.rules.push_back(std::move(r));
  }
  if (!rd.done()) return corrupt;
  return c;
}

}  // namespace skyarray::services
