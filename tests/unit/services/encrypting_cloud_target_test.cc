// Client-side encryption of cloud objects: round trips of every size class,
// ranged reads across segment and part boundaries, multipart resumed by a
// new instance, and detection of tampered, truncated, reordered and swapped
// ciphertext, of a wrong key and of a missing key.
#include <gmock/gmock.h>

#include "common/checksum.h"
#include "common/encoding.h"
#include "service_test_util.h"
#include "services/cloud/encrypting_cloud_target.h"

namespace skyarray::services::testing {
namespace {

constexpr uint64_t kSeg = kEncryptSegmentSize;

// A cloud bucket in memory with S3's semantics for what the tests use.
class StoreTarget : public CloudTarget {
 public:
  struct Object {
    std::string body;
    CloudObjectAttrs attrs;
    std::string etag;
  };
  struct Bucket {
    std::map<std::string, Object> objects;
    std::map<std::string, std::pair<std::string, std::map<uint32_t, std::string>>> uploads;
    CloudObjectAttrs upload_attrs;
  };
  explicit StoreTarget(std::shared_ptr<Bucket> b) : b_(std::move(b)) {}

  Task<Result<std::string>> put_object(const std::string& key, const CloudObjectAttrs& attrs,
                                       std::string& body, const std::string& md5,
                                       uint32_t crc) override {
    if (crc != crc32c(0, body.data(), body.size()) || md5 != md5_of(body))
      co_return Status(StatusCode::kBadDigest, "digest of the bytes sent");
    b_->objects[key] = {std::move(body), attrs, hex_encode(md5)};
    co_return b_->objects[key].etag;
  }
  Task<Result<std::string>> create_multipart(const std::string& key,
                                             const CloudObjectAttrs& attrs) override {
    std::string id = "u" + std::to_string(b_->uploads.size());
    b_->uploads[id].first = key;
    b_->upload_attrs = attrs;
    co_return id;
  }
  Task<Result<std::string>> upload_part(const std::string&, const std::string& id, uint32_t n,
                                        std::string& body, const std::string& md5,
                                        uint32_t crc) override {
    if (!b_->uploads.contains(id)) co_return Status(StatusCode::kNoSuchUpload, id);
    if (crc != crc32c(0, body.data(), body.size()) || md5 != md5_of(body))
      co_return Status(StatusCode::kBadDigest, "digest of the part sent");
    b_->uploads[id].second[n] = std::move(body);
    co_return "p" + std::to_string(n);
  }
  Task<Result<std::string>> complete_multipart(const std::string& key, const std::string& id,
                                               const std::vector<CloudPart>& parts) override {
    if (!b_->uploads.contains(id)) co_return Status(StatusCode::kNoSuchUpload, id);
    std::string all;
    for (const auto& p : parts) all += b_->uploads[id].second.at(p.number);
    b_->objects[key] = {std::move(all), b_->upload_attrs, "mp-" + std::to_string(parts.size())};
    b_->uploads.erase(id);
    co_return b_->objects[key].etag;
  }
  Task<Status> abort_multipart(const std::string&, const std::string& id) override {
    b_->uploads.erase(id);
    co_return Status::ok();
  }
  Task<Result<CloudObjectHead>> head(const std::string& key) override {
    auto it = b_->objects.find(key);
    if (it == b_->objects.end()) co_return Status::not_found(key);
    CloudObjectHead h;
    h.size = it->second.body.size();
    h.etag = it->second.etag;
    h.attrs = it->second.attrs;
    co_return h;
  }
  Task<Result<std::string>> get(const std::string& key, uint64_t first, uint64_t length) override {
    ++gets;
    auto it = b_->objects.find(key);
    if (it == b_->objects.end()) co_return Status::not_found(key);
    if (first >= it->second.body.size() && !it->second.body.empty())
      co_return Status::invalid_argument("range");
    co_return it->second.body.substr(first, length == 0 ? std::string::npos : length);
  }
  Task<Result<std::map<std::string, std::string>>> get_tags(const std::string&) override {
    co_return std::map<std::string, std::string>{};
  }
  Task<Status> put_tags(const std::string&, const std::map<std::string, std::string>&) override {
    co_return Status::ok();
  }
  Task<Status> remove(const std::string& key) override {
    b_->objects.erase(key);
    co_return Status::ok();
  }
  Task<Result<CloudListPage>> list(const std::string& prefix, const std::string&,
                                   const std::string&) override {
    CloudListPage page;
    for (const auto& [k, o] : b_->objects) {
      if (k.starts_with(prefix)) page.entries.push_back({k, o.body.size(), o.etag, 0});
    }
    co_return page;
  }

  static std::string md5_of(std::string_view s) {
    auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
    (*md5)->update(s);
    return (*md5)->finish();
  }

  int gets = 0;

 private:
  std::shared_ptr<Bucket> b_;
};

class EncryptingCloudTargetTest : public ::testing::Test {
 protected:
  std::unique_ptr<EncryptingCloudTarget> make(EncryptionKey kek, uint64_t part_size = 2 * kSeg) {
    auto inner = std::make_unique<StoreTarget>(bucket_);
    inner_ = inner.get();
    return std::make_unique<EncryptingCloudTarget>(std::move(inner), "site/", std::move(kek),
                                                   part_size);
  }
  Status put(CloudTarget& t, const std::string& key, std::string body,
             std::map<std::string, std::string> meta = {}) {
    CloudObjectAttrs attrs;
    attrs.content_type = "application/dicom";
    attrs.user_metadata = std::move(meta);
    std::string md5 = StoreTarget::md5_of(body);
    uint32_t crc = crc32c(0, body.data(), body.size());
    return run(t.put_object(key, attrs, body, md5, crc)).status();
  }
  Result<std::string> get(CloudTarget& t, const std::string& key, uint64_t first = 0,
                          uint64_t length = 0) {
    return run(t.get(key, first, length));
  }
  // Uploads `body` in parts of `part_size`, in the order given.
  Status multipart(CloudTarget& t, const std::string& key, const std::string& body,
                   uint64_t part_size, std::vector<uint32_t> order) {
    CloudObjectAttrs attrs;
    attrs.size = body.size();
    auto id = run(t.create_multipart(key, attrs));
    if (!id.is_ok()) return id.status();
    std::vector<CloudPart> parts;
    for (uint32_t n : order) {
      std::string part = body.substr((n - 1) * part_size, part_size);
      auto etag = run(t.upload_part(key, *id, n, part, "", 0));
      if (!etag.is_ok()) return etag.status();
    }
    for (uint32_t n = 1; n <= order.size(); ++n) parts.push_back({n, "p" + std::to_string(n)});
    return run(t.complete_multipart(key, *id, parts)).status();
  }
  std::string& stored(const std::string& key) { return bucket_->objects.at(key).body; }

  EncryptionKey kek_ = new_encryption_key();
  std::shared_ptr<StoreTarget::Bucket> bucket_ = std::make_shared<StoreTarget::Bucket>();
  StoreTarget* inner_ = nullptr;
};

TEST(EncryptFormatTest, SizesMapBothWays) {
  for (uint64_t n : std::vector<uint64_t>{0, 1, kSeg - 1, kSeg, kSeg + 1, 5 * kSeg, 5 * kSeg + 7}) {
    auto back = plaintext_size(encrypted_size(n));
    ASSERT_TRUE(back.is_ok()) << n;
    EXPECT_EQ(*back, n);
  }
  EXPECT_EQ(encrypted_size(0), kEncryptTagSize);
  EXPECT_FALSE(plaintext_size(5).is_ok());
  EXPECT_FALSE(plaintext_size(kSeg + kEncryptTagSize + 3).is_ok());
}

TEST_F(EncryptingCloudTargetTest, RoundTripOfEverySizeClass) {
  auto t = make(kek_);
  for (uint64_t n : std::vector<uint64_t>{0, 1, kSeg - 1, kSeg, kSeg + 1, 3 * kSeg, 200000}) {
    std::string key = "site/obj" + std::to_string(n);
    std::string body = random_bytes(n, n);
    ASSERT_TRUE(put(*t, key, body, {{"patient", "x"}}).is_ok()) << n;
    EXPECT_EQ(stored(key).size(), encrypted_size(n));
    if (n >= 16) {
      EXPECT_EQ(stored(key).find(body.substr(0, 16)), std::string::npos);
    }
    auto back = get(*t, key);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_TRUE(*back == body) << n;
    auto head = run(t->head(key));
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->size, n);
    EXPECT_EQ(head->etag, hex_encode(StoreTarget::md5_of(body)));
    EXPECT_EQ(head->attrs.user_metadata, (std::map<std::string, std::string>{{"patient", "x"}}));
    EXPECT_EQ(head->attrs.content_type, "application/dicom");
    // The cloud sees neither the key nor the data key in the clear.
    for (const auto& [k, v] : bucket_->objects.at(key).attrs.user_metadata) {
      EXPECT_EQ(v.find(base64_encode(kek_.key)), std::string::npos);
      EXPECT_EQ(v.find(kek_.key), std::string::npos);
    }
    EXPECT_EQ(stored(key).find(kek_.key), std::string::npos);
  }
  auto page = run(t->list("site/", "", ""));
  ASSERT_TRUE(page.is_ok());
  for (const auto& e : page->entries)
    EXPECT_EQ("site/obj" + std::to_string(e.size), e.key);  // plaintext sizes
}

TEST_F(EncryptingCloudTargetTest, RangesAtSegmentBoundaries) {
  auto t = make(kek_);
  const uint64_t n = 4 * kSeg + 1234;
  std::string body = random_bytes(n, 7);
  ASSERT_TRUE(put(*t, "site/r", body).is_ok());
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, 1},        {kSeg - 1, 1},    {kSeg - 1, 2},  {kSeg, kSeg},      {kSeg - 1, kSeg + 2},
      {2 * kSeg, 1}, {4 * kSeg, 1234}, {n - 1, 1},     {100, 0},          {4 * kSeg + 5, 0},
      {0, n},        {3, n},           {kSeg + 9, 17}, {2 * kSeg - 1, 1}, {kSeg, 3 * kSeg}};
  for (auto [first, len] : ranges) {
    auto piece = get(*t, "site/r", first, len);
    ASSERT_TRUE(piece.is_ok()) << first << "+" << len << ": " << piece.status().to_string();
    EXPECT_TRUE(*piece == body.substr(first, len == 0 ? std::string::npos : len))
        << first << "+" << len;
  }
  EXPECT_FALSE(get(*t, "site/r", n, 1).is_ok());
}

TEST_F(EncryptingCloudTargetTest, MultipartInAnyOrderAndResumedByANewInstance) {
  const uint64_t part = 2 * kSeg;
  for (uint64_t n : std::vector<uint64_t>{2 * part + 1000, 3 * part}) {  // short and full last part
    auto t = make(kek_, part);
    std::string key = "site/mp" + std::to_string(n);
    std::string body = random_bytes(n, n);
    CloudObjectAttrs attrs;
    attrs.size = n;
    auto id = run(t->create_multipart(key, attrs));
    ASSERT_TRUE(id.is_ok());
    std::string p2 = body.substr(part, part);
    ASSERT_TRUE(run(t->upload_part(key, *id, 2, p2, "", 0)).is_ok());
    // A restart: another instance continues the upload with the recorded id.
    auto t2 = make(kek_, part);
    for (uint32_t k : {3u, 1u}) {
      std::string p = body.substr((k - 1) * part, part);
      auto etag = run(t2->upload_part(key, *id, k, p, "", 0));
      ASSERT_TRUE(etag.is_ok()) << etag.status().to_string();
    }
    std::vector<CloudPart> parts{{1, "p1"}, {2, "p2"}, {3, "p3"}};
    ASSERT_TRUE(run(t2->complete_multipart(key, *id, parts)).is_ok());
    EXPECT_EQ(stored(key).size(), encrypted_size(n));
    auto back = get(*t, key);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_TRUE(*back == body);
    auto across = get(*t, key, part - 10, 20);
    ASSERT_TRUE(across.is_ok());
    EXPECT_TRUE(*across == body.substr(part - 10, 20));
    auto head = run(t->head(key));
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->size, n);
    EXPECT_EQ(head->etag, "mp-3");
  }
}

TEST_F(EncryptingCloudTargetTest, PartsMustFitTheLayout) {
  auto t = make(kek_, 2 * kSeg);
  CloudObjectAttrs attrs;
  attrs.size = 5 * kSeg;
  auto id = run(t->create_multipart("site/bad", attrs));
  ASSERT_TRUE(id.is_ok());
  std::string short_part(kSeg, 'x');  // part 1 must be a whole part
  EXPECT_EQ(run(t->upload_part("site/bad", *id, 1, short_part, "", 0)).status().code(),
            StatusCode::kInvalidArgument);
  std::string beyond(10, 'x');
  EXPECT_FALSE(run(t->upload_part("site/bad", *id, 4, beyond, "", 0)).is_ok());
  std::string plain_id_part(2 * kSeg, 'x');
  EXPECT_EQ(run(t->upload_part("site/bad", "u0", 1, plain_id_part, "", 0)).status().code(),
            StatusCode::kNoSuchUpload);
  auto odd = make(kek_, kSeg + 1);
  EXPECT_EQ(run(odd->create_multipart("site/bad", attrs)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(EncryptingCloudTargetTest, TamperedSegmentIsAnErrorAndOnlyCoveringSegmentsAreRead) {
  auto t = make(kek_);
  std::string body = random_bytes(3 * kSeg, 3);
  ASSERT_TRUE(put(*t, "site/t", body).is_ok());
  stored("site/t")[kSeg + kEncryptTagSize + 100] ^= 1;  // inside segment 1
  auto whole = get(*t, "site/t");
  EXPECT_EQ(whole.status().code(), StatusCode::kCorruption);
  auto in1 = get(*t, "site/t", kSeg + 5, 10);
  EXPECT_EQ(in1.status().code(), StatusCode::kCorruption);
  auto in0 = get(*t, "site/t", 5, 10);
  ASSERT_TRUE(in0.is_ok());
  EXPECT_TRUE(*in0 == body.substr(5, 10));
  auto in2 = get(*t, "site/t", 2 * kSeg, kSeg);
  ASSERT_TRUE(in2.is_ok());
  EXPECT_TRUE(*in2 == body.substr(2 * kSeg));
}

TEST_F(EncryptingCloudTargetTest, TruncatedReorderedAndSwappedCiphertextIsDetected) {
  auto t = make(kek_);
  std::string body = random_bytes(3 * kSeg, 4);
  ASSERT_TRUE(put(*t, "site/a", body).is_ok());
  ASSERT_TRUE(put(*t, "site/b", random_bytes(3 * kSeg, 5)).is_ok());
  const uint64_t sealed = kSeg + kEncryptTagSize;

  // Reordered segments.
  std::string& a = stored("site/a");
  std::string orig = a;
  std::string reordered = a.substr(sealed, sealed) + a.substr(0, sealed) + a.substr(2 * sealed);
  a = reordered;
  EXPECT_EQ(get(*t, "site/a").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(run(t->get("site/a", 0, 10)).status().code(), StatusCode::kCorruption);

  // Cut at a segment boundary, with the size header edited to match: the
  // header no longer opens.
  a = orig.substr(0, 2 * sealed);
  bucket_->objects.at("site/a").attrs.user_metadata["skyarray-enc-size"] = std::to_string(2 * kSeg);
  auto fresh = make(kek_);
  EXPECT_EQ(get(*fresh, "site/a").status().code(), StatusCode::kCorruption);
  // Cut without editing the header: the size check refuses it.
  bucket_->objects.at("site/a").attrs.user_metadata["skyarray-enc-size"] = std::to_string(3 * kSeg);
  EXPECT_EQ(get(*fresh, "site/a").status().code(), StatusCode::kCorruption);

  // b's bytes and header under a's key: bound to b's key.
  bucket_->objects["site/a"] = bucket_->objects.at("site/b");
  EXPECT_EQ(get(*fresh, "site/a").status().code(), StatusCode::kCorruption);

  // A's own segment 1 swapped into b at the same position (another DEK).
  bucket_->objects["site/a"].body = orig;
  std::string& b = stored("site/b");
  b.replace(sealed, sealed, orig.substr(sealed, sealed));
  EXPECT_EQ(get(*fresh, "site/b", kSeg, 1).status().code(), StatusCode::kCorruption);
}

TEST_F(EncryptingCloudTargetTest, WrongOrMissingKeyIsRefused) {
  auto t = make(kek_);
  std::string body = random_bytes(1000, 9);
  ASSERT_TRUE(put(*t, "site/k", body).is_ok());

  auto other = make(new_encryption_key());
  EXPECT_EQ(get(*other, "site/k").status().code(), StatusCode::kPermissionDenied);
  EncryptionKey same_id{kek_.id, new_encryption_key().key};
  auto forged = make(same_id);
  EXPECT_EQ(get(*forged, "site/k").status().code(), StatusCode::kCorruption);

  auto none = make(EncryptionKey{});
  auto head = run(none->head("site/k"));
  EXPECT_EQ(head.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(head.status().message(), ::testing::HasSubstr(kek_.id));
  // Without a key, plain objects pass through unchanged.
  ASSERT_TRUE(put(*none, "site/plain", "hello").is_ok());
  EXPECT_EQ(*get(*none, "site/plain"), "hello");
  // With a key, a plain object is refused rather than served as it is.
  EXPECT_EQ(get(*t, "site/plain").status().code(), StatusCode::kCorruption);
}

TEST_F(EncryptingCloudTargetTest, ReplacedObjectIsReadWithItsNewHeader) {
  auto reader = make(kek_);
  auto writer = make(kek_);
  ASSERT_TRUE(put(*writer, "site/o", random_bytes(2 * kSeg, 1)).is_ok());
  ASSERT_TRUE(get(*reader, "site/o").is_ok());  // header cached
  std::string v2 = random_bytes(2 * kSeg, 2);
  ASSERT_TRUE(put(*writer, "site/o", v2).is_ok());
  auto back = get(*reader, "site/o");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == v2);
}

}  // namespace
}  // namespace skyarray::services::testing
