// ObjectOwnership: a bucket's S3 OwnershipControls rule
// (Get/Put/DeleteBucketOwnershipControls, x-amz-object-ownership on
// CreateBucket).
//
// Objects always belong to the bucket owner here, whoever wrote them, which
// is S3's BucketOwnerEnforced ownership. What the setting changes is ACLs:
//   none (no OwnershipControls; the default for new buckets, see
//     docs/S3.md)   ACLs are set and honoured as before;
//   kBucketOwnerEnforced  ACLs are disabled: a request that sets an ACL
//     other than bucket-owner-full-control or private (the owner's
//     FULL_CONTROL alone) fails with AccessControlListNotSupported, and
//     stored grants no longer grant anything.
// BucketOwnerPreferred and ObjectWriter make the writer of an object its
// owner, which this array does not do: they are refused (NotImplemented).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace skyarray::services {

enum class ObjectOwnership : uint8_t {
  kBucketOwnerEnforced = 1,
  kBucketOwnerPreferred = 2,
  kObjectWriter = 3,
};

inline std::string_view object_ownership_name(ObjectOwnership o) {
  switch (o) {
    case ObjectOwnership::kBucketOwnerEnforced:
      return "BucketOwnerEnforced";
    case ObjectOwnership::kBucketOwnerPreferred:
      return "BucketOwnerPreferred";
    case ObjectOwnership::kObjectWriter:
      return "ObjectWriter";
  }
  return "BucketOwnerEnforced";
}

inline std::optional<ObjectOwnership> parse_object_ownership(std::string_view name) {
  for (auto o : {ObjectOwnership::kBucketOwnerEnforced, ObjectOwnership::kBucketOwnerPreferred,
                 ObjectOwnership::kObjectWriter}) {
    if (object_ownership_name(o) == name) return o;
  }
  return std::nullopt;
}

}  // namespace skyarray::services
