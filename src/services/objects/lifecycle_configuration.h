// LifecycleConfiguration: a bucket's S3 lifecycle rules (Get/Put/
// DeleteBucketLifecycleConfiguration), their validation, which objects a
// rule's filter selects, and when a rule's action falls due. Pure: no
// stores, no clock (callers pass "now"); the object service stores the
// configuration in the bucket record and its lifecycle worker
// (object_lifecycle.h) applies it.
//
// What is supported: Filter by Prefix, Tag, And (prefix, tags, sizes),
// ObjectSizeGreaterThan, ObjectSizeLessThan, or the legacy rule-level
// Prefix; Expiration by Days, Date or ExpiredObjectDeleteMarker;
// NoncurrentVersionExpiration (NoncurrentDays, NewerNoncurrentVersions);
// AbortIncompleteMultipartUpload (DaysAfterInitiation). Transitions need
// storage classes the array does not have yet: the S3 door refuses them
// (501) before a configuration reaches this type.
//
// Days are counted as S3 counts them: an action of N days on an object made
// at time t falls due at the first midnight UTC at or after t + N days.
//
// Encoding (in BucketRecord, format version 1): u8 version, varint rule
// count, then per rule: bytes id, u8 (bit 0 enabled, bits 1..3 FilterForm),
// bytes prefix, tag map (varint n × bytes key, bytes value), u8 size bits
// (1 greater-than, 2 less-than) and their varints, u16-as-varint action bits
// (1 expiration days, 2 expiration date, 4 expired-object-delete-marker
// given, 8 its value, 16 noncurrent days, 32 newer noncurrent versions, 64
// abort days) followed by the values present in that order (days as
// varints, the date as an svarint of nanoseconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

inline constexpr size_t kMaxLifecycleRules = 1000;
inline constexpr size_t kMaxLifecycleRuleId = 255;
inline constexpr uint32_t kMaxNewerNoncurrentVersions = 100;
inline constexpr int64_t kNanosPerDay = 86400LL * 1000 * 1000 * 1000;

// How a rule's filter was written, so GET gives it back the same way.
enum class FilterForm : uint8_t {
  kNone = 0,          // no <Filter> and no <Prefix>: every object
  kLegacyPrefix = 1,  // rule-level <Prefix> (older API)
  kEmpty = 2,         // <Filter/> or <Filter><Prefix/></Filter> style: every object
  kPrefix = 3,
  kTag = 4,
  kAnd = 5,
  kSizeGreater = 6,
  kSizeLess = 7,
};

struct LifecycleFilter {
  FilterForm form = FilterForm::kNone;
  std::string prefix;
  TagSet tags;  // every one must be on the object
  std::optional<uint64_t> size_greater_than;
  std::optional<uint64_t> size_less_than;

  // Whether an object (or version) with this key, tags and size is selected.
  bool matches(std::string_view key, const TagSet& object_tags, uint64_t size) const;
  bool operator==(const LifecycleFilter&) const = default;
};

struct LifecycleRule {
  std::string id;
  bool enabled = true;
  LifecycleFilter filter;
  // <Expiration>
  std::optional<uint32_t> expiration_days;
  std::optional<int64_t> expiration_date_ns;  // midnight UTC
  std::optional<bool> expired_object_delete_marker;
  // <NoncurrentVersionExpiration>
  std::optional<uint32_t> noncurrent_days;
  std::optional<uint32_t> newer_noncurrent_versions;
  // <AbortIncompleteMultipartUpload>
  std::optional<uint32_t> abort_days;

  bool expires_current() const { return expiration_days || expiration_date_ns; }
  bool operator==(const LifecycleRule&) const = default;
};

struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules;

  std::string encode() const;
  static Result<LifecycleConfiguration> decode(std::string_view bytes);
  bool operator==(const LifecycleConfiguration&) const = default;
};

// The checks S3 makes (kInvalidArgument with S3's wording): 1..1000 rules,
// IDs at most 255 bytes and unique (empty IDs are given one before this by
// the caller), each rule has an action; Days, NoncurrentDays and
// DaysAfterInitiation positive; Date at midnight UTC; Days and Date not
// together, nor with ExpiredObjectDeleteMarker; NewerNoncurrentVersions
// 1..100 and only with NoncurrentDays; ExpiredObjectDeleteMarker and
// AbortIncompleteMultipartUpload not with a tag or size filter; size bounds
// consistent.
Status validate_lifecycle_configuration(const LifecycleConfiguration& config);

// The first midnight UTC at or after since_ns + days.
int64_t lifecycle_due_ns(int64_t since_ns, uint32_t days);

// When the current version of an object expires under `config` and by
// which rule: the earliest due date among the enabled rules that expire
// current versions and select it. nullopt when none does.
struct LifecycleExpiration {
  int64_t date_ns = 0;
  std::string rule_id;
};
std::optional<LifecycleExpiration> current_expiration(const LifecycleConfiguration& config,
                                                      std::string_view key, const TagSet& tags,
                                                      uint64_t size, int64_t mtime_ns);

// The key prefixes the enabled rules can act on, sorted, none a prefix of
// another; {""} when one of them selects every key. The lifecycle worker
// scans only these ranges.
std::vector<std::string> lifecycle_prefixes(const LifecycleConfiguration& config);

}  // namespace skyarray::services
