#include <gmock/gmock.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "service_test_util.h"
#include "services/security/user_store.h"

namespace skyarray::services::testing {
namespace {

class ListingTest : public ServiceFixture {};
class MultipartTest : public ServiceFixture {};
class UserStoreTest : public ServiceFixture {};

std::vector<std::string> keys_of(const ListObjectsResult& r) {
  std::vector<std::string> out;
  for (const auto& o : r.objects) out.push_back(o.key);
  return out;
}

TEST_F(ListingTest, DelimiterMarkersAndContinuationAcrossManyKeys) {
  make_bucket("lst", alice_);
  // 3 studies x 40 instances, plus top-level files.
  std::vector<std::string> all;
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 40; ++i) {
      char k[64];
      std::snprintf(k, sizeof(k), "studies/s%d/i%03d.dcm", s, i);
      all.push_back(k);
    }
  }
  all.push_back("readme.txt");
  all.push_back("studies.idx");
  for (const auto& k : all) ASSERT_TRUE(put(alice_, "lst", k, "x").is_ok());
  std::sort(all.begin(), all.end());

  ListObjectsOptions o;
  o.delimiter = "/";
  auto top = run(service_->reads().list_objects(alice_, "lst", o));
  ASSERT_TRUE(top.is_ok());
  EXPECT_THAT(keys_of(*top), ::testing::ElementsAre("readme.txt", "studies.idx"));
  EXPECT_THAT(top->common_prefixes, ::testing::ElementsAre("studies/"));

  o.prefix = "studies/";
  auto studies = run(service_->reads().list_objects(alice_, "lst", o));
  EXPECT_THAT(studies->common_prefixes,
              ::testing::ElementsAre("studies/s0/", "studies/s1/", "studies/s2/"));
  EXPECT_TRUE(studies->objects.empty());
  // Paging over common prefixes: 2 per page.
  o.max_keys = 2;
  auto page1 = run(service_->reads().list_objects(alice_, "lst", o));
  EXPECT_TRUE(page1->is_truncated);
  EXPECT_EQ(page1->next_marker, "studies/s1/");
  o.continuation_token = page1->next_continuation_token;
  auto page2 = run(service_->reads().list_objects(alice_, "lst", o));
  EXPECT_THAT(page2->common_prefixes, ::testing::ElementsAre("studies/s2/"));
  EXPECT_FALSE(page2->is_truncated);

  // Full paging without delimiter returns every key once, in order.
  ListObjectsOptions p;
  p.max_keys = 7;
  std::vector<std::string> seen;
  for (int guard = 0; guard < 100; ++guard) {
    auto r = run(service_->reads().list_objects(alice_, "lst", p));
    ASSERT_TRUE(r.is_ok());
    for (auto& k : keys_of(*r)) seen.push_back(k);
    if (!r->is_truncated) break;
    p.continuation_token = r->next_continuation_token;
  }
  EXPECT_EQ(seen, all);
  // start-after (V1 marker) and prefix.
  ListObjectsOptions s;
  s.prefix = "studies/s1/";
  s.start_after = "studies/s1/i037.dcm";
  EXPECT_THAT(keys_of(*run(service_->reads().list_objects(alice_, "lst", s))),
              ::testing::ElementsAre("studies/s1/i038.dcm", "studies/s1/i039.dcm"));
  s.max_keys = 0;
  auto none = run(service_->reads().list_objects(alice_, "lst", s));
  EXPECT_TRUE(none->objects.empty());
  EXPECT_FALSE(none->is_truncated);
}

// Scale check, run on demand: SKYARRAY_LIST_SCALE_KEYS=200000 unit_services
// --gtest_filter='*ListingScale*'. Prints put and list rates.
TEST_F(ListingTest, ListingScale) {
  const char* env = std::getenv("SKYARRAY_LIST_SCALE_KEYS");
  if (!env) GTEST_SKIP() << "set SKYARRAY_LIST_SCALE_KEYS to run";
  const size_t n = std::strtoull(env, nullptr, 10);
  meta_options_.sync = false;  // measures listing, not fsync
  ASSERT_TRUE(open().is_ok());
  make_bucket("scale", alice_);
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) {
    char k[64];
    std::snprintf(k, sizeof(k), "p%03zu/obj%08zu", i % 100, i);
    ASSERT_TRUE(put(alice_, "scale", k, "x").is_ok());
  }
  auto t1 = std::chrono::steady_clock::now();
  size_t listed = 0, pages = 0;
  ListObjectsOptions o;
  for (;;) {
    auto r = run(service_->reads().list_objects(alice_, "scale", o));
    ASSERT_TRUE(r.is_ok());
    listed += r->objects.size();
    ++pages;
    if (!r->is_truncated) break;
    o.continuation_token = r->next_continuation_token;
  }
  auto t2 = std::chrono::steady_clock::now();
  ListObjectsOptions d;
  d.delimiter = "/";
  auto top = run(service_->reads().list_objects(alice_, "scale", d));
  auto t3 = std::chrono::steady_clock::now();
  ListObjectsOptions pre;
  pre.prefix = "p042/";
  pre.max_keys = 1000;
  auto one = run(service_->reads().list_objects(alice_, "scale", pre));
  auto t4 = std::chrono::steady_clock::now();
  EXPECT_EQ(listed, n);
  EXPECT_EQ(top->common_prefixes.size(), std::min<size_t>(n, 100));
  auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("puts: %zu in %.2fs (%.0f/s, unsynced meta)\n", n, sec(t0, t1), n / sec(t0, t1));
  std::printf("full listing: %zu keys in %zu pages, %.3fs (%.0f keys/s)\n", listed, pages,
              sec(t1, t2), listed / sec(t1, t2));
  std::printf("delimiter listing (100 prefixes): %.4fs\n", sec(t2, t3));
  std::printf("prefix page of %zu keys: %.4fs\n", one->objects.size(), sec(t3, t4));
}

TEST_F(ListingTest, VersionPagingWithKeyAndVersionMarkers) {
  make_bucket("vls", alice_);
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "vls", VersioningState::kEnabled))
          .is_ok());
  for (int v = 0; v < 3; ++v) {
    for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(put(alice_, "vls", k, "x").is_ok());
  }
  ListVersionsOptions o;
  o.max_keys = 4;
  std::vector<std::pair<std::string, bool>> seen;
  for (int guard = 0; guard < 10; ++guard) {
    auto r = run(service_->versions().list_object_versions(alice_, "vls", o));
    ASSERT_TRUE(r.is_ok());
    for (auto& v : r->versions) seen.emplace_back(v.key, v.is_latest);
    if (!r->is_truncated) break;
    o.key_marker = r->next_key_marker;
    o.version_id_marker = r->next_version_id_marker;
  }
  ASSERT_EQ(seen.size(), 9u);
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(seen[i].first, std::string(1, char('a' + i / 3)));
    EXPECT_EQ(seen[i].second, i % 3 == 0) << i;  // newest of each key is latest
  }
}

// Clients that empty a versioned bucket list a page, delete what it listed,
// then ask for the next page with markers naming a version that is gone.
TEST_F(ListingTest, VersionMarkersArePositionsNotReferences) {
  make_bucket("vdel", alice_);
  auto set_versioning = [&](VersioningState s) {
    ASSERT_TRUE(run(service_->buckets().set_bucket_versioning(alice_, "vdel", s)).is_ok());
  };
  auto delete_version = [&](const std::string& key, const std::string& id) {
    DeleteOptions d;
    d.version_id = id;
    ASSERT_TRUE(run(service_->writes().delete_object(alice_, "vdel", key, d)).is_ok())
        << key << " " << id;
  };
  // Each key: a null version (written while unversioned) under versions and
  // a delete marker, so "null" markers fall between other versions.
  auto fill = [&]() {
    set_versioning(VersioningState::kSuspended);
    for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(put(alice_, "vdel", k, "n").is_ok());
    set_versioning(VersioningState::kEnabled);
    for (int v = 0; v < 2; ++v) {
      for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(put(alice_, "vdel", k, "x").is_ok());
    }
    ASSERT_TRUE(run(service_->writes().delete_object(alice_, "vdel", "c", {})).is_ok());
  };
  auto all_versions = [&]() {
    std::vector<std::pair<std::string, std::string>> out;
    auto r = run(service_->versions().list_object_versions(alice_, "vdel", {}));
    EXPECT_TRUE(r.is_ok());
    for (auto& v : r->versions) out.emplace_back(v.key, v.version_id);
    return out;
  };
  for (uint32_t page_size = 1; page_size <= 3; ++page_size) {
    fill();
    auto expected = all_versions();
    ASSERT_EQ(expected.size(), 13u);
    std::vector<std::pair<std::string, std::string>> seen;
    ListVersionsOptions o;
    o.max_keys = page_size;
    for (int guard = 0; guard < 100; ++guard) {
      auto r = run(service_->versions().list_object_versions(alice_, "vdel", o));
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      for (auto& v : r->versions) {
        seen.emplace_back(v.key, v.version_id);
        // The newest remaining version of a key is its latest.
        EXPECT_EQ(v.is_latest, &v == &r->versions.front() || v.key != (&v - 1)->key)
            << v.key << " " << v.version_id;
      }
      for (auto& v : r->versions) delete_version(v.key, v.version_id);
      if (!r->is_truncated) break;
      o.key_marker = r->next_key_marker;
      o.version_id_marker = r->next_version_id_marker;
    }
    EXPECT_EQ(seen, expected) << "page size " << page_size;
    EXPECT_TRUE(all_versions().empty());
  }

  // Without deleting: markers naming a deleted version, "null" (present or
  // not) and a key that never existed each list from that position.
  fill();
  auto expected = all_versions();
  auto from = [&](const std::string& km, const std::string& vm) {
    ListVersionsOptions o;
    o.key_marker = km;
    o.version_id_marker = vm;
    std::vector<std::pair<std::string, std::string>> out;
    auto r = run(service_->versions().list_object_versions(alice_, "vdel", o));
    EXPECT_TRUE(r.is_ok()) << km << "/" << vm << ": " << r.status().to_string();
    if (r.is_ok()) {
      for (auto& v : r->versions) out.emplace_back(v.key, v.version_id);
    }
    return out;
  };
  auto tail_after = [&](size_t i) {
    return std::vector<std::pair<std::string, std::string>>(expected.begin() + i + 1,
                                                            expected.end());
  };
  // expected: a v2 v1 null, b v2 v1 null, c marker v2 v1 null, d v2 v1 null.
  ASSERT_EQ(expected[1].first, "a");
  const std::string a_v1 = expected[1].second;
  EXPECT_EQ(from("a", a_v1), tail_after(1));
  delete_version("a", a_v1);
  expected = all_versions();
  // a_v1 is gone: the page starts after its position, at a's null version.
  EXPECT_EQ(from("a", a_v1), tail_after(0));
  ASSERT_EQ(expected[4], std::make_pair(std::string("b"), std::string("null")));
  EXPECT_EQ(from("b", "null"), tail_after(4));
  delete_version("b", "null");
  expected = all_versions();
  // No null version of b any more: from b's first version, skipping nothing.
  EXPECT_EQ(from("b", "null"), tail_after(1));
  // A key that never existed, with and without a version marker.
  ASSERT_EQ(expected[4].first, "c");
  EXPECT_EQ(from("bb", "null"), tail_after(3));
  EXPECT_EQ(from("bb", "0000000000000001"), tail_after(3));
  EXPECT_EQ(from("bb", ""), tail_after(3));
  // Past every version of a key: a seq older than any written.
  EXPECT_EQ(from("c", "0000000000000001"), tail_after(7));
  ListVersionsOptions bad;
  bad.key_marker = "a";
  bad.version_id_marker = "not-a-version";
  EXPECT_EQ(run(service_->versions().list_object_versions(alice_, "vdel", bad)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(MultipartTest, CompleteValidatesPartsAndConcatenatesWithoutCopy) {
  make_bucket("mpu", alice_);
  PutOptions po;
  po.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  po.user_metadata = {{"origin", "pacs"}};
  auto up = run(service_->multipart().create_multipart_upload(alice_, "mpu", "big.dcm", po));
  ASSERT_TRUE(up.is_ok());
  std::string p1 = random_bytes(kMinPartSize, 11), p2 = random_bytes(kMinPartSize + 3, 12),
              p3 = random_bytes(1000, 13), small = random_bytes(100, 14);
  auto r1 = upload_part(alice_, "mpu", "big.dcm", up->upload_id, 1, p1);
  auto r2 = upload_part(alice_, "mpu", "big.dcm", up->upload_id, 2, small);
  auto r3 = upload_part(alice_, "mpu", "big.dcm", up->upload_id, 3, p3);
  ASSERT_TRUE(r1.is_ok() && r2.is_ok() && r3.is_ok()) << r1.status().to_string();
  EXPECT_EQ(upload_part(alice_, "mpu", "big.dcm", "nope", 1, "x").status().code(),
            StatusCode::kNoSuchUpload);

  auto complete = [&](std::vector<CompletedPart> parts) {
    CompleteOptions none;
    return run(service_->multipart().complete_multipart_upload(alice_, "mpu", "big.dcm",
                                                               up->upload_id, parts, none));
  };
  EXPECT_EQ(complete({{2, r2->etag, {}}, {1, r1->etag, {}}}).status().code(),
            StatusCode::kInvalidPartOrder);
  EXPECT_EQ(complete({{1, "bad", {}}, {3, r3->etag, {}}}).status().code(),
            StatusCode::kInvalidPart);
  EXPECT_EQ(complete({{1, r1->etag, {}}, {4, r3->etag, {}}}).status().code(),
            StatusCode::kInvalidPart);
  EXPECT_EQ(complete({{2, r2->etag, {}}, {3, r3->etag, {}}}).status().code(),
            StatusCode::kTooSmall);
  // Replace part 2 with a full-size one; list parts shows the new one.
  r2 = upload_part(alice_, "mpu", "big.dcm", up->upload_id, 2, p2);
  ASSERT_TRUE(r2.is_ok());
  auto listed = run(service_->multipart().list_parts(alice_, "mpu", "big.dcm", up->upload_id, {}));
  ASSERT_EQ(listed->parts.size(), 3u);
  EXPECT_EQ(listed->parts[1].size, p2.size());
  ListUploadsOptions lu;
  EXPECT_EQ(run(service_->multipart().list_multipart_uploads(alice_, "mpu", lu))->uploads.size(),
            1u);
  EXPECT_EQ(get(alice_, "mpu", "big.dcm").status().code(), StatusCode::kNotFound);

  size_t files_before = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    files_before += e.is_regular_file();
  }
  auto done = complete({{1, r1->etag, r1->checksum->digest}, {2, r2->etag, {}}, {3, r3->etag, {}}});
  ASSERT_TRUE(done.is_ok()) << done.status().to_string();
  size_t files_after = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    files_after += e.is_regular_file();
  }
  EXPECT_EQ(files_before, files_after);  // metadata only
  // ETag: md5 of the binary part md5s, "-3".
  std::string md5s;
  for (auto* r : {&r1, &r2, &r3}) md5s += *hex_decode((*r)->etag);
  auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
  (*md5)->update(md5s);
  EXPECT_EQ(done->etag, hex_encode((*md5)->finish()) + "-3");
  ASSERT_TRUE(done->checksum.has_value());
  EXPECT_TRUE(done->checksum->composite);
  EXPECT_EQ(done->checksum->parts, 3u);
  EXPECT_EQ(*get(alice_, "mpu", "big.dcm"), p1 + p2 + p3);
  auto head = run(service_->reads().head_object(alice_, "mpu", "big.dcm", {}));
  EXPECT_EQ(head->user_metadata.at("origin"), "pacs");
  GetOptions part2;
  part2.part_number = 2;
  EXPECT_EQ(*get(alice_, "mpu", "big.dcm", part2), p2);
  EXPECT_TRUE(
      run(service_->multipart().list_multipart_uploads(alice_, "mpu", lu))->uploads.empty());
  // A retried complete answers the same result while the object is the
  // upload's; once overwritten, the upload is gone.
  auto again = complete({{1, r1->etag, {}}});
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->etag, done->etag);
  EXPECT_EQ(again->version_id, done->version_id);
  EXPECT_EQ(*get(alice_, "mpu", "big.dcm"), p1 + p2 + p3);
  ASSERT_TRUE(put(alice_, "mpu", "big.dcm", "overwritten").is_ok());
  EXPECT_EQ(complete({{1, r1->etag, {}}}).status().code(), StatusCode::kNoSuchUpload);
  CompleteOptions none;
  EXPECT_EQ(run(service_->multipart().complete_multipart_upload(alice_, "mpu", "big.dcm", "nope",
                                                                {}, none))
                .status()
                .code(),
            StatusCode::kNoSuchUpload);
}

TEST_F(MultipartTest, FullObjectChecksumCombinesPartCrcs) {
  make_bucket("mpu", alice_);
  std::string p1 = random_bytes(kMinPartSize, 31), p2 = random_bytes(777, 32);
  for (auto alg :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme}) {
    PutOptions po;
    po.checksum_algorithm = alg;
    // CRC64NVME is FULL_OBJECT by default; the others are asked for it.
    if (alg != ChecksumAlgorithm::kCrc64Nvme) po.checksum_type = ChecksumType::kFullObject;
    auto up = run(service_->multipart().create_multipart_upload(alice_, "mpu", "full", po));
    ASSERT_TRUE(up.is_ok());
    EXPECT_EQ(up->checksum_type, ChecksumType::kFullObject);
    auto r1 = upload_part(alice_, "mpu", "full", up->upload_id, 1, p1);
    auto r2 = upload_part(alice_, "mpu", "full", up->upload_id, 2, p2);
    ASSERT_TRUE(r1.is_ok() && r2.is_ok());
    auto whole = Checksum::create(alg);
    (*whole)->update(p1 + p2);
    std::string want = (*whole)->finish();
    std::vector<CompletedPart> parts{{1, r1->etag, {}}, {2, r2->etag, {}}};
    CompleteOptions wrong;
    wrong.checksum_algorithm = alg;
    wrong.expected_checksum = std::string(want.size(), '\0');
    EXPECT_EQ(run(service_->multipart().complete_multipart_upload(alice_, "mpu", "full",
                                                                  up->upload_id, parts, wrong))
                  .status()
                  .code(),
              StatusCode::kBadDigest);
    CompleteOptions composite;
    composite.checksum_type = ChecksumType::kComposite;
    EXPECT_EQ(run(service_->multipart().complete_multipart_upload(alice_, "mpu", "full",
                                                                  up->upload_id, parts, composite))
                  .status()
                  .code(),
              StatusCode::kInvalidArgument);
    CompleteOptions right;
    right.checksum_algorithm = alg;
    right.expected_checksum = want;
    auto done = run(service_->multipart().complete_multipart_upload(alice_, "mpu", "full",
                                                                    up->upload_id, parts, right));
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    ASSERT_TRUE(done->checksum.has_value());
    EXPECT_FALSE(done->checksum->composite);
    EXPECT_EQ(done->checksum->digest, want);
    auto head = run(service_->reads().head_object(alice_, "mpu", "full", {}));
    EXPECT_EQ(head->checksum->digest, want);
    EXPECT_FALSE(head->checksum->composite);
  }
  // Which algorithms allow which type.
  PutOptions bad;
  bad.checksum_algorithm = ChecksumAlgorithm::kSha256;
  bad.checksum_type = ChecksumType::kFullObject;
  EXPECT_EQ(
      run(service_->multipart().create_multipart_upload(alice_, "mpu", "x", bad)).status().code(),
      StatusCode::kInvalidArgument);
  bad.checksum_algorithm = ChecksumAlgorithm::kCrc64Nvme;
  bad.checksum_type = ChecksumType::kComposite;
  EXPECT_EQ(
      run(service_->multipart().create_multipart_upload(alice_, "mpu", "x", bad)).status().code(),
      StatusCode::kInvalidArgument);
  bad.checksum_algorithm.reset();
  EXPECT_EQ(
      run(service_->multipart().create_multipart_upload(alice_, "mpu", "x", bad)).status().code(),
      StatusCode::kInvalidArgument);
}

TEST_F(MultipartTest, AbortReclaimsSpaceAndPartCopyUsesRanges) {
  make_bucket("mpu", alice_);
  std::string src = random_bytes(6 << 20, 21);
  ASSERT_TRUE(put(alice_, "mpu", "src", src).is_ok());
  PutOptions po;
  auto up = run(service_->multipart().create_multipart_upload(alice_, "mpu", "dst", po));
  ASSERT_TRUE(up.is_ok());
  CopyOptions co;
  std::optional<ByteRange> range = ByteRange{100, 100 + kMinPartSize - 1, std::nullopt};
  auto part1 = run(service_->multipart().upload_part_copy(alice_, "mpu", "dst", up->upload_id, 1,
                                                          "mpu", "src", co, range));
  ASSERT_TRUE(part1.is_ok()) << part1.status().to_string();
  EXPECT_EQ(part1->size, kMinPartSize);
  std::optional<ByteRange> tail = ByteRange{src.size() - 10, src.size() - 1, std::nullopt};
  auto part2 = run(service_->multipart().upload_part_copy(alice_, "mpu", "dst", up->upload_id, 2,
                                                          "mpu", "src", co, tail));
  ASSERT_TRUE(part2.is_ok());
  CompleteOptions none;
  auto done = run(service_->multipart().complete_multipart_upload(
      alice_, "mpu", "dst", up->upload_id, {{1, part1->etag, {}}, {2, part2->etag, {}}}, none));
  ASSERT_TRUE(done.is_ok()) << done.status().to_string();
  EXPECT_EQ(*get(alice_, "mpu", "dst"),
            src.substr(100, kMinPartSize) + src.substr(src.size() - 10));

  // Abort: parts' chunks become garbage and are collected.
  auto up2 = run(service_->multipart().create_multipart_upload(alice_, "mpu", "gone", po));
  ASSERT_TRUE(
      upload_part(alice_, "mpu", "gone", up2->upload_id, 1, random_bytes(3 << 20, 5)).is_ok());
  auto collected_before = store_->stats().chunks_collected;
  ASSERT_TRUE(
      run(service_->multipart().abort_multipart_upload(alice_, "mpu", "gone", up2->upload_id))
          .is_ok());
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_GT(store_->stats().chunks_collected, collected_before);
  EXPECT_EQ(run(service_->multipart().abort_multipart_upload(alice_, "mpu", "gone", up2->upload_id))
                .code(),
            StatusCode::kNoSuchUpload);
}

TEST_F(UserStoreTest, RootBootstrapKeysAndSecretsNotInPlaintext) {
  ::unsetenv(UserStore::kRootAccessKeyEnv);
  ::unsetenv(UserStore::kRootSecretKeyEnv);
  auto users = UserStore::open(*rt_, *meta_, root_.string());
  ASSERT_TRUE(users.is_ok()) << users.status().to_string();
  auto st = std::filesystem::status(root_ / "keys" / "master.key");
  EXPECT_EQ(st.permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto root = (*users)->bootstrap_root();
  ASSERT_TRUE(root.is_ok());
  ASSERT_TRUE(root->has_value());
  EXPECT_FALSE((*root)->secret.empty());
  EXPECT_FALSE((*(*users)->bootstrap_root()).has_value());  // only once

  ASSERT_TRUE(run((*users)->create_user("radiology", "Radiology")).is_ok());
  EXPECT_EQ(run((*users)->create_user("radiology", "x")).status().code(),
            StatusCode::kAlreadyExists);
  auto key = run((*users)->create_key("radiology"));
  ASSERT_TRUE(key.is_ok());
  const std::string secret = key->secret;
  auto cred = run((*users)->lookup(key->key.access_key_id));
  ASSERT_TRUE(cred.is_ok());
  EXPECT_EQ(cred->secret, secret);
  EXPECT_EQ(cred->user_id, "radiology");
  EXPECT_EQ(run((*users)->list_keys("radiology"))->size(), 1u);
  EXPECT_EQ(run((*users)->delete_user("root")).code(), StatusCode::kPermissionDenied);

  // Neither secret appears in any metadata file.
  users->reset();
  service_.reset();
  store_.reset();
  meta_.reset();
  for (auto& e : std::filesystem::recursive_directory_iterator(root_)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find(secret), std::string::npos) << e.path();
    EXPECT_EQ(ss.str().find((*root)->secret), std::string::npos) << e.path();
  }
  ASSERT_TRUE(open().is_ok());
  users = UserStore::open(*rt_, *meta_, root_.string());
  ASSERT_TRUE(users.is_ok());
  EXPECT_EQ(run((*users)->lookup(key->key.access_key_id))->secret, secret);
  ASSERT_TRUE(run((*users)->revoke_key(key->key.access_key_id)).is_ok());
  EXPECT_EQ(run((*users)->lookup(key->key.access_key_id)).status().code(),
            StatusCode::kUnauthenticated);
  // A wrong master key cannot open the sealed secrets.
  users->reset();
  {
    std::ofstream out(root_ / "keys" / "master.key", std::ios::binary | std::ios::trunc);
    out << std::string(32, 'z');
  }
  users = UserStore::open(*rt_, *meta_, root_.string());
  ASSERT_TRUE(users.is_ok());
  EXPECT_EQ(run((*users)->lookup((*root)->key.access_key_id)).status().code(),
            StatusCode::kCorruption);
}

TEST_F(UserStoreTest, RootFromEnvironment) {
  ::setenv(UserStore::kRootAccessKeyEnv, "ROOTACCESSKEY123", 1);
  ::setenv(UserStore::kRootSecretKeyEnv, "root-secret-from-env", 1);
  auto users = UserStore::open(*rt_, *meta_, root_.string());
  ASSERT_TRUE(users.is_ok());
  auto root = (*users)->bootstrap_root();
  ::unsetenv(UserStore::kRootAccessKeyEnv);
  ::unsetenv(UserStore::kRootSecretKeyEnv);
  ASSERT_TRUE(root.is_ok() && root->has_value()) << root.status().to_string();
  auto cred = run((*users)->lookup("ROOTACCESSKEY123"));
  ASSERT_TRUE(cred.is_ok());
  EXPECT_EQ(cred->secret, "root-secret-from-env");
  EXPECT_TRUE(cred->root);
}

}  // namespace
}  // namespace skyarray::services::testing
