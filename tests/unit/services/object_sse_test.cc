// Encryption at rest in the object service: SegmentCipher, KeyStore and
// encrypted puts, reads (ranges across segments and parts), copies and
// multipart uploads (services/objects/object_sse.h).
#include <gmock/gmock.h>

#include "common/checksum.h"
#include "service_test_util.h"
#include "services/objects/object_records.h"
#include "services/objects/object_service.h"
#include "services/security/key_store.h"
#include "services/security/secret_box.h"
#include "services/security/segment_cipher.h"

namespace skyarray::services::testing {
namespace {

constexpr uint64_t kSeg = SegmentCipher::kSegmentSize;

TEST(SegmentCipherTest, SealsOpensAndRefusesTampering) {
  auto c = SegmentCipher::create(std::string(32, 'k'), std::string(4, '\0'), "aad", "obj");
  ASSERT_TRUE(c.is_ok());
  std::string sealed;
  ASSERT_TRUE(c->seal(7, true, "hello", &sealed).is_ok());
  EXPECT_EQ(sealed.size(), 5 + SegmentCipher::kTagSize);
  EXPECT_EQ(sealed.find("hello"), std::string::npos);
  std::string plain;
  ASSERT_TRUE(c->open(7, true, sealed, &plain).is_ok());
  EXPECT_EQ(plain, "hello");
  // Another index, the wrong last flag or a flipped bit fail authentication.
  std::string out;
  EXPECT_EQ(c->open(8, true, sealed, &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(c->open(7, false, sealed, &out).code(), StatusCode::kCorruption);
  sealed[2] ^= 1;
  EXPECT_EQ(c->open(7, true, sealed, &out).code(), StatusCode::kCorruption);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(SegmentCipher::create("short", std::string(4, '\0'), "", "x").is_ok());
  EXPECT_EQ(SegmentCipher::sealed_size(0), SegmentCipher::kTagSize);
  EXPECT_EQ(SegmentCipher::sealed_size(kSeg + 1), kSeg + 1 + 2 * SegmentCipher::kTagSize);
  EXPECT_EQ(*SegmentCipher::plain_size(SegmentCipher::sealed_size(3 * kSeg)), 3 * kSeg);
}

class ObjectSseTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    auto box = SecretBox::from_key(std::string(32, 'b'));
    ASSERT_TRUE(box.is_ok());
    box_key_ = std::string(32, 'b');
    auto keys = KeyStore::open(*meta_, *box);
    ASSERT_TRUE(keys.is_ok()) << keys.status().to_string();
    keys_ = std::move(*keys);
    service_->set_key_store(keys_.get());
    make_bucket("enc", alice_);
  }
  void TearDown() override {
    keys_.reset();
    ServiceFixture::TearDown();
  }
  static PutOptions sse(SseMode mode, std::string key_id = "", std::string customer = "") {
    PutOptions o;
    o.sse.mode = mode;
    o.sse.kms_key_id = std::move(key_id);
    o.sse.customer_key = std::move(customer);
    return o;
  }
  Result<std::string> get_range(const std::string& key, uint64_t first, uint64_t last,
                                std::string customer = "") {
    GetOptions o;
    o.range = ByteRange{first, last, {}};
    o.customer_key = std::move(customer);
    return get(alice_, "enc", key, o);
  }

  std::string box_key_;
  std::unique_ptr<KeyStore> keys_;
};

TEST_F(ObjectSseTest, EachModeRoundTripsWithRangesAndKeepsNoPlaintext) {
  const std::string customer(32, 'c');
  for (auto [mode, name] : {std::pair{SseMode::kS3, "s3"}, std::pair{SseMode::kKms, "kms"},
                            std::pair{SseMode::kCustomer, "c"}}) {
    for (size_t size : {size_t{0}, size_t{100}, size_t{3 * kSeg + 5}, size_t{(2 << 20) + 7}}) {
      const std::string key = std::string(name) + "/" + std::to_string(size);
      const std::string data = random_bytes(size, size + 1);
      const std::string ck = mode == SseMode::kCustomer ? customer : "";
      auto info = put(alice_, "enc", key, data, sse(mode, "", ck), 70000);
      ASSERT_TRUE(info.is_ok()) << key << ": " << info.status().to_string();
      EXPECT_EQ(info->sse.mode, mode);
      EXPECT_EQ(info->size, size);
      GetOptions o;
      o.customer_key = ck;
      auto back = get(alice_, "enc", key, o);
      ASSERT_TRUE(back.is_ok()) << key << ": " << back.status().to_string();
      EXPECT_EQ(*back, data) << key;
      if (size > 2 * kSeg) {
        for (auto [first, last] : {std::pair<uint64_t, uint64_t>{0, 0},
                                   {kSeg - 1, kSeg},
                                   {5, 2 * kSeg + 3},
                                   {size - 1, size - 1}}) {
          auto r = get_range(key, first, last, ck);
          ASSERT_TRUE(r.is_ok()) << r.status().to_string();
          EXPECT_EQ(*r, data.substr(first, last - first + 1)) << key << " " << first;
        }
      }
    }
  }
  // SSE-C: no key, a wrong key, a key for a plaintext object.
  GetOptions none;
  EXPECT_EQ(get(alice_, "enc", "c/100", none).status().code(), StatusCode::kInvalidArgument);
  GetOptions wrong;
  wrong.customer_key = std::string(32, 'w');
  EXPECT_EQ(get(alice_, "enc", "c/100", wrong).status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(put(alice_, "enc", "plain", "x").is_ok());
  GetOptions stray;
  stray.customer_key = customer;
  EXPECT_EQ(get(alice_, "enc", "plain", stray).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ObjectSseTest, DisabledKeyMakesObjectsUnreadableUntilEnabled) {
  auto k = keys_->create("ct");
  ASSERT_TRUE(k.is_ok());
  const std::string data = random_bytes(5000, 3);
  ASSERT_TRUE(put(alice_, "enc", "a", data, sse(SseMode::kKms, k->id)).is_ok());
  ASSERT_TRUE(keys_->rotate(k->id).is_ok());
  ASSERT_TRUE(put(alice_, "enc", "b", data, sse(SseMode::kKms, k->id)).is_ok());
  EXPECT_EQ(*get(alice_, "enc", "a"), data);
  ASSERT_TRUE(keys_->set_enabled(k->id, false).is_ok());
  EXPECT_EQ(get(alice_, "enc", "a").status().code(), StatusCode::kKeyUnavailable);
  EXPECT_EQ(put(alice_, "enc", "c", data, sse(SseMode::kKms, k->id)).status().code(),
            StatusCode::kKeyUnavailable);
  // The key store reloads from metadata with its state.
  keys_.reset();
  auto reopened = KeyStore::open(*meta_, *SecretBox::from_key(box_key_));
  ASSERT_TRUE(reopened.is_ok());
  keys_ = std::move(*reopened);
  service_->set_key_store(keys_.get());
  EXPECT_EQ(get(alice_, "enc", "b").status().code(), StatusCode::kKeyUnavailable);
  ASSERT_TRUE(keys_->set_enabled(k->id, true).is_ok());
  EXPECT_EQ(*get(alice_, "enc", "a"), data);
  EXPECT_EQ(*get(alice_, "enc", "b"), data);
  // Under another box key the KMS keys do not open.
  EXPECT_FALSE(KeyStore::open(*meta_, *SecretBox::from_key(std::string(32, 'x'))).is_ok());
  EXPECT_EQ(put(alice_, "enc", "d", data, sse(SseMode::kKms, "no-such-key")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ObjectSseTest, RotationResealsDataKeysWithoutRewritingData) {
  auto k = keys_->create("mr");
  ASSERT_TRUE(k.is_ok());
  const std::string data = random_bytes(3 * kSeg, 9);
  ASSERT_TRUE(put(alice_, "enc", "old", data, sse(SseMode::kKms, k->id)).is_ok());
  auto stored = [&](const std::string& key) {
    auto raw = meta_->get(MetaCf::kObjects, keys::latest("enc", key));
    EXPECT_TRUE(raw.is_ok() && raw->has_value());
    return *ObjectRecord::decode(**raw);
  };
  const ObjectRecord before = stored("old");
  EXPECT_EQ(before.sse.key_version, 1u);
  ASSERT_TRUE(keys_->rotate(k->id).is_ok());
  auto r = run(service_->data_keys().reseal(k->id));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->resealed, 2u);  // the latest and the version record
  const ObjectRecord after = stored("old");
  EXPECT_EQ(after.sse.key_version, 2u);
  EXPECT_NE(after.sse.sealed_dek, before.sse.sealed_dek);
  EXPECT_EQ(after.blob.encode(), before.blob.encode());  // the same sealed bytes
  EXPECT_EQ(*get(alice_, "enc", "old"), data);
  EXPECT_EQ(run(service_->data_keys().reseal(k->id))->resealed, 0u);
  ASSERT_TRUE(keys_->set_enabled(k->id, false).is_ok());
  EXPECT_EQ(run(service_->data_keys().reseal(k->id)).status().code(), StatusCode::kKeyUnavailable);
  EXPECT_EQ(keys_->rotate(k->id).status().code(), StatusCode::kKeyUnavailable);
}

TEST_F(ObjectSseTest, MultipartPartsAreSealedOnTheirOwn) {
  PutOptions o = sse(SseMode::kS3);
  auto up = run(service_->multipart().create_multipart_upload(alice_, "enc", "mpu", o));
  ASSERT_TRUE(up.is_ok()) << up.status().to_string();
  EXPECT_EQ(up->sse.mode, SseMode::kS3);
  const std::string p1 = random_bytes(5 << 20, 11), p2 = random_bytes(kSeg + 9, 12);
  auto r1 = upload_part(alice_, "enc", "mpu", up->upload_id, 1, p1);
  auto r2 = upload_part(alice_, "enc", "mpu", up->upload_id, 2, p2);
  ASSERT_TRUE(r1.is_ok() && r2.is_ok());
  std::vector<CompletedPart> parts{{1, r1->etag, {}}, {2, r2->etag, {}}};
  CompleteOptions co;
  auto done = run(service_->multipart().complete_multipart_upload(alice_, "enc", "mpu",
                                                                  up->upload_id, parts, co));
  ASSERT_TRUE(done.is_ok()) << done.status().to_string();
  const std::string whole = p1 + p2;
  EXPECT_EQ(*get(alice_, "enc", "mpu"), whole);
  auto edge = get_range("mpu", p1.size() - 3, p1.size() + 3);
  ASSERT_TRUE(edge.is_ok()) << edge.status().to_string();
  EXPECT_EQ(*edge, whole.substr(p1.size() - 3, 7));
  GetOptions part2;
  part2.part_number = 2;
  EXPECT_EQ(*get(alice_, "enc", "mpu", part2), p2);
}

TEST_F(ObjectSseTest, CopiesResealTheDataKeyAndRefuseAppends) {
  const std::string data = random_bytes(3 * kSeg, 5);
  ASSERT_TRUE(put(alice_, "enc", "src", data, sse(SseMode::kS3)).is_ok());
  CopyOptions c;
  c.replace = sse(SseMode::kCustomer, "", std::string(32, 'c'));
  auto copied = run(service_->writes().copy_object(alice_, "enc", "src", "enc", "dst", c));
  ASSERT_TRUE(copied.is_ok()) << copied.status().to_string();
  GetOptions with_key;
  with_key.customer_key = std::string(32, 'c');
  EXPECT_EQ(*get(alice_, "enc", "dst", with_key), data);
  CopyOptions to_plain;
  EXPECT_EQ(run(service_->writes().copy_object(alice_, "enc", "src", "enc", "p", to_plain))
                .status()
                .code(),
            StatusCode::kNotSupported);
  PutOptions append = sse(SseMode::kS3);
  append.append_position = 0;
  EXPECT_EQ(put(alice_, "enc", "app", "abc", append).status().code(), StatusCode::kNotSupported);
}

TEST_F(ObjectSseTest, BucketDefaultEncryptionAppliesToNewVersions) {
  BucketEncryption e;
  e.mode = SseMode::kS3;
  ASSERT_TRUE(run(service_->buckets().put_bucket_encryption(alice_, "enc", e)).is_ok());
  auto info = put(alice_, "enc", "dflt", "hello");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->sse.mode, SseMode::kS3);
  EXPECT_EQ(*get(alice_, "enc", "dflt"), "hello");
  BucketEncryption bad;
  bad.mode = SseMode::kKms;
  bad.kms_key_id = "missing";
  EXPECT_EQ(run(service_->buckets().put_bucket_encryption(alice_, "enc", bad)).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(run(service_->buckets().delete_bucket_encryption(alice_, "enc")).is_ok());
  EXPECT_EQ(put(alice_, "enc", "plain", "x")->sse.mode, SseMode::kNone);
}

}  // namespace
}  // namespace skyarray::services::testing
