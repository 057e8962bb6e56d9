// ObjectSse: encryption at rest of one object version (or upload).
//
// Envelope encryption: every version has its own random 256-bit data key
// (DEK). SSE-S3 and SSE-KMS seal it under a key of the key store
// (services/security/key_store.h); SSE-C seals it under the client's key,
// which is never stored: a later request opens the DEK only with the same
// key (a wrong key fails authentication → kPermissionDenied). The DEK's
// seal binds the mode and the KMS encryption context, not the object's
// name, so copies and renames keep their bytes.
//
// The bytes are sealed in runs: one for a simple object, one per part of a
// multipart object. Each run has a random salt and a key derived from the
// DEK and the salt (HMAC-SHA256), and is a SegmentCipher stream (64 KiB
// plaintext segments, each with its own GCM tag) under a zero nonce
// prefix: keys are never shared between runs, so nonces never repeat under
// one key. The runs lie back to back in the version's blob; a range is read
// by opening only the segments it touches.
//
// What is on the drives is ciphertext: the chunk CRCs cover it, so scrub,
// repair and re-replication work without any key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/security/segment_cipher.h"

namespace skyarray::services {

class KeyStore;

// One run of sealed segments.
struct SseRun {
  uint64_t plain_size = 0;
  std::string salt;
};

// What a writer needs to seal one run: the version's encryption (its one
// salt is the run's) and the DEK. mode kNone: plaintext.
struct RunSealing {
  SseRecord sse;
  std::string dek;

  bool empty() const { return sse.empty(); }
};

class ObjectSse {
 public:
  static constexpr size_t kSaltSize = 16;

  // The encryption a new version gets: the request's, else the bucket's
  // default; empty for plaintext. Seals `*dek` when it holds a data key
  // already (a copy keeps its source's bytes), else fills it with a new one. kNotSupported without
  // a key store; kInvalidArgument for an unknown KMS key or a customer key that is not 32 bytes;
  // kKeyUnavailable for a disabled key.
  static Result<SseRecord> for_new_version(const KeyStore* keys, const SseRequest& request,
                                           const BucketEncryption& bucket_default,
                                           std::string* dek);
  // The DEK of `sse`. SSE-C: `customer_key` must be the key it was written
  // with (missing → kInvalidArgument, another → kPermissionDenied); for
  // other modes a customer key is refused (kInvalidArgument).
  static Result<std::string> open_dek(const KeyStore* keys, const SseRecord& sse,
                                      const std::string& customer_key);
  // The encryption of a copy of `source` (CopyObject): the request's, else
  // the destination bucket's default, over the source's bytes and data key
  // (resealed, nothing rewritten). kNotSupported when one side is plaintext
  // and the other encrypted (the bytes would have to be rewritten).
  static Result<SseRecord> for_copy(const KeyStore* keys, const SseRecord& source,
                                    const std::string& source_customer_key,
                                    const SseRequest& request,
                                    const BucketEncryption& bucket_default);
  // `sse` with its data key resealed under the newest version of its KMS
  // key (SSE-S3/KMS only; the data itself is untouched).
  static Result<SseRecord> reseal(const KeyStore* keys, const SseRecord& sse);
  // Checks a read's customer key against the version without opening
  // anything else (HEAD).
  static Status check_customer_key(const SseRecord& sse, const std::string& customer_key);
  // A fresh random run salt.
  static Result<std::string> new_salt();
  // `sse` and `dek` with a fresh salt: ready for a writer.
  static Result<RunSealing> sealing(SseRecord sse, std::string dek);
  // for_new_version(), then sealing(): what a new version's writer seals with.
  static Result<RunSealing> new_version_sealing(const KeyStore* keys, const SseRequest& request,
                                                const BucketEncryption& bucket_default);
  // The cipher of one run.
  static Result<SegmentCipher> run_cipher(const std::string& dek, const std::string& salt,
                                          std::string name);
  // The runs of a version: its parts' sizes with the record's salts.
  static Result<std::vector<SseRun>> runs_of(const ObjectRecord& rec);
  // Sealed size of a version made of `runs`.
  static uint64_t sealed_size(const std::vector<SseRun>& runs);
};

}  // namespace skyarray::services
