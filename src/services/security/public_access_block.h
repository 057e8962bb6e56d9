// PublicAccessBlock: a bucket's S3 Block Public Access settings
// (Get/Put/DeleteBucketPublicAccessBlock), and what each one changes:
//   block_public_acls       PutBucketAcl / PutObjectAcl / PutObject /
//                           CopyObject / CreateMultipartUpload carrying a
//                           public ACL (a grant to AllUsers or
//                           AuthenticatedUsers) are refused (AccessDenied);
//                           ACLs already stored stay.
//   ignore_public_acls      public grants of the bucket's and its objects'
//                           ACLs are ignored by every access decision.
//   block_public_policy     PutBucketPolicy with a public policy
//                           (BucketPolicy::is_public) is refused.
//   restrict_public_buckets while the bucket's policy is public, its Allow
//                           statements grant nothing to anyone but the
//                           bucket owner (S3: "only users within the bucket
//                           owner's account"; one user is one account here).
// A bucket without a configuration has every setting off (S3 answers
// NoSuchPublicAccessBlockConfiguration to Get).
//
// Value type.
#pragma once

#include <cstdint>

namespace skyarray::services {

struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;

  // Stored form: one byte, bit 0..3 in the order above.
  uint8_t bits() const {
    return static_cast<uint8_t>((block_public_acls ? 1 : 0) | (ignore_public_acls ? 2 : 0) |
                                (block_public_policy ? 4 : 0) | (restrict_public_buckets ? 8 : 0));
  }
  static PublicAccessBlock from_bits(uint8_t b) {
    return PublicAccessBlock{(b & 1) != 0, (b & 2) != 0, (b & 4) != 0, (b & 8) != 0};
  }
  bool operator==(const PublicAccessBlock&) const = default;
};

}  // namespace skyarray::services
