#include <gmock/gmock.h>

#include "common/encoding.h"
#include "service_test_util.h"
#include "services/objects/object_service.h"

namespace skyarray::services::testing {
namespace {

using ::testing::ElementsAre;

class ObjectServiceTest : public ServiceFixture {};

std::string md5_of(const std::string& s) {
  auto c = Checksum::create(ChecksumAlgorithm::kMd5);
  (*c)->update(s);
  return (*c)->finish();
}

TEST_F(ObjectServiceTest, BucketNameRulesAndOwnership) {
  EXPECT_EQ(BucketConfig::validate_bucket_name("ab").code(), StatusCode::kInvalidBucketName);
  EXPECT_EQ(BucketConfig::validate_bucket_name("Abc").code(), StatusCode::kInvalidBucketName);
  EXPECT_EQ(BucketConfig::validate_bucket_name("a..b").code(), StatusCode::kInvalidBucketName);
  EXPECT_EQ(BucketConfig::validate_bucket_name("192.168.1.1").code(),
            StatusCode::kInvalidBucketName);
  EXPECT_TRUE(BucketConfig::validate_bucket_name("pacs-images.2024").is_ok());
  for (const char* bad : {"foo-.bar", "foo.-bar", "-foo", "foo-", "xn--foo", "sthree-foo",
                          "amzn-s3-demo-foo", "foo-s3alias", "foo--ol-s3", "foo.mrap", "foo--x-s3",
                          "foo--table-s3", "foo_bar", "10.0.0.1"}) {
    EXPECT_EQ(BucketConfig::validate_bucket_name(bad).code(), StatusCode::kInvalidBucketName)
        << bad;
  }
  EXPECT_TRUE(BucketConfig::validate_bucket_name("foo-bar.baz-1").is_ok());
  EXPECT_TRUE(BucketConfig::validate_bucket_name("10.0.0.1a").is_ok());

  CreateBucketOptions in_eu;
  in_eu.region = "eu-west-1";
  auto created = run(service_->buckets().create_bucket(alice_, "pacs", in_eu));
  ASSERT_TRUE(created.is_ok());
  EXPECT_EQ(created->region, "eu-west-1");
  EXPECT_EQ(run(service_->buckets().create_bucket(alice_, "pacs", {})).status().code(),
            StatusCode::kBucketAlreadyOwnedByYou);
  EXPECT_EQ(run(service_->buckets().create_bucket(bob_, "pacs", {})).status().code(),
            StatusCode::kAlreadyExists);
  // Bob sees none of Alice's buckets and cannot touch them.
  EXPECT_TRUE(run(service_->buckets().list_buckets(bob_))->empty());
  EXPECT_EQ(run(service_->buckets().list_buckets(alice_))->size(), 1u);
  EXPECT_EQ(run(service_->buckets().head_bucket(bob_, "pacs")).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(put(bob_, "pacs", "x", "data").status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(put(alice_, "pacs", "x", "data").is_ok());
  EXPECT_EQ(get(bob_, "pacs", "x").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(run(service_->writes().delete_object(bob_, "pacs", "x", {})).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(run(service_->reads().list_objects(bob_, "pacs", {})).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "nope")).status().code(),
            StatusCode::kBucketNotFound);

  EXPECT_EQ(run(service_->buckets().delete_bucket(alice_, "pacs")).code(), StatusCode::kNotEmpty);
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "pacs", "x", {})).is_ok());
  EXPECT_TRUE(run(service_->buckets().delete_bucket(alice_, "pacs")).is_ok());
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "pacs")).status().code(),
            StatusCode::kBucketNotFound);
}

TEST_F(ObjectServiceTest, PutGetRangesAndDigests) {
  make_bucket("bk1", alice_);
  std::string data = random_bytes(3 << 20, 1);  // spans several 1 MiB chunks
  PutOptions o;
  o.content.content_type = "application/dicom";
  o.user_metadata = {{"study", "1.2.3"}};
  o.expected_md5 = md5_of(data);
  o.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  auto info = put(alice_, "bk1", "ct/1.dcm", data, o);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->etag, hex_encode(md5_of(data)));
  ASSERT_TRUE(info->checksum.has_value());
  EXPECT_EQ(info->checksum->digest.size(), 4u);
  EXPECT_EQ(*get(alice_, "bk1", "ct/1.dcm"), data);

  auto head = run(service_->reads().head_object(alice_, "bk1", "ct/1.dcm", {}));
  ASSERT_TRUE(head.is_ok());
  EXPECT_EQ(head->size, data.size());
  EXPECT_EQ(head->content.content_type, "application/dicom");
  EXPECT_EQ(head->user_metadata.at("study"), "1.2.3");
  EXPECT_EQ(head->version_id, "null");

  GetOptions g;
  g.range = ByteRange{1000, 2000000, std::nullopt};
  EXPECT_EQ(*get(alice_, "bk1", "ct/1.dcm", g), data.substr(1000, 2000000 - 1000 + 1));
  g.range = ByteRange{std::nullopt, std::nullopt, 10};
  EXPECT_EQ(*get(alice_, "bk1", "ct/1.dcm", g), data.substr(data.size() - 10));
  g.range = ByteRange{data.size(), std::nullopt, std::nullopt};
  EXPECT_EQ(get(alice_, "bk1", "ct/1.dcm", g).status().code(), StatusCode::kOutOfRange);

  // A wrong Content-MD5 or checksum leaves nothing visible.
  PutOptions bad;
  bad.expected_md5 = md5_of("something else");
  EXPECT_EQ(put(alice_, "bk1", "bad", data, bad).status().code(), StatusCode::kBadDigest);
  PutOptions bad_sum;
  bad_sum.checksum_algorithm = ChecksumAlgorithm::kSha256;
  bad_sum.expected_checksum = std::string(32, 'x');
  EXPECT_EQ(put(alice_, "bk1", "bad", "abc", bad_sum).status().code(), StatusCode::kBadDigest);
  PutOptions short_body;
  short_body.expected_size = 10;
  EXPECT_EQ(put(alice_, "bk1", "bad", "abc", short_body).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(get(alice_, "bk1", "bad").status().code(), StatusCode::kNotFound);
  // Overwrite replaces and the old bytes are released in the same commit.
  ASSERT_TRUE(put(alice_, "bk1", "ct/1.dcm", "small").is_ok());
  EXPECT_EQ(*get(alice_, "bk1", "ct/1.dcm"), "small");
  auto bucket = run(service_->buckets().head_bucket(alice_, "bk1"));
  EXPECT_EQ(bucket->objects, 1u);
  EXPECT_EQ(bucket->bytes, 5u);
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(*get(alice_, "bk1", "ct/1.dcm"), "small");
}

TEST_F(ObjectServiceTest, ConditionalReadsAndWrites) {
  make_bucket("bk1", alice_);
  auto v1 = put(alice_, "bk1", "k", "one");
  ASSERT_TRUE(v1.is_ok());
  GetOptions g;
  g.conditions.if_match = {"nope"};
  EXPECT_EQ(get(alice_, "bk1", "k", g).status().code(), StatusCode::kPreconditionFailed);
  g.conditions.if_match = {v1->etag};
  EXPECT_TRUE(get(alice_, "bk1", "k", g).is_ok());
  g = {};
  g.conditions.if_none_match = {v1->etag};
  EXPECT_EQ(get(alice_, "bk1", "k", g).status().code(), StatusCode::kNotModified);
  g = {};
  g.conditions.if_modified_since = v1->last_modified + std::chrono::seconds(5);
  EXPECT_EQ(get(alice_, "bk1", "k", g).status().code(), StatusCode::kNotModified);
  g = {};
  g.conditions.if_unmodified_since = v1->last_modified - std::chrono::seconds(5);
  EXPECT_EQ(get(alice_, "bk1", "k", g).status().code(), StatusCode::kPreconditionFailed);
  // If-Match true wins over If-Unmodified-Since false.
  g.conditions.if_match = {v1->etag};
  EXPECT_TRUE(get(alice_, "bk1", "k", g).is_ok());

  PutOptions create_only;
  create_only.if_none_match = {"*"};
  EXPECT_EQ(put(alice_, "bk1", "k", "two", create_only).status().code(),
            StatusCode::kPreconditionFailed);
  EXPECT_TRUE(put(alice_, "bk1", "fresh", "two", create_only).is_ok());
  PutOptions if_match;
  if_match.if_match = {"0123"};
  EXPECT_EQ(put(alice_, "bk1", "k", "two", if_match).status().code(),
            StatusCode::kPreconditionFailed);
  EXPECT_EQ(put(alice_, "bk1", "absent", "two", if_match).status().code(), StatusCode::kNotFound);
  if_match.if_match = {v1->etag};
  EXPECT_TRUE(put(alice_, "bk1", "k", "two", if_match).is_ok());
  EXPECT_EQ(*get(alice_, "bk1", "k"), "two");
}

TEST_F(ObjectServiceTest, VersioningDeleteMarkersAndNullVersion) {
  make_bucket("ver", alice_);
  ASSERT_TRUE(put(alice_, "ver", "k", "null-version").is_ok());
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "ver", VersioningState::kEnabled))
          .is_ok());
  auto a = put(alice_, "ver", "k", "A");
  auto b = put(alice_, "ver", "k", "B");
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_NE(a->version_id, b->version_id);
  EXPECT_NE(a->version_id, "null");
  EXPECT_EQ(*get(alice_, "ver", "k"), "B");
  GetOptions g;
  g.version_id = a->version_id;
  EXPECT_EQ(*get(alice_, "ver", "k", g), "A");
  g.version_id = "null";
  EXPECT_EQ(*get(alice_, "ver", "k", g), "null-version");

  auto del = run(service_->writes().delete_object(alice_, "ver", "k", {}));
  ASSERT_TRUE(del.is_ok());
  EXPECT_TRUE(del->delete_marker);
  EXPECT_EQ(get(alice_, "ver", "k").status().code(), StatusCode::kNotFound);
  auto marker = run(service_->versions().delete_marker(alice_, "ver", "k", std::nullopt));
  ASSERT_TRUE(marker.is_ok() && marker->has_value());
  EXPECT_EQ((*marker)->version_id, del->version_id);
  EXPECT_TRUE((*marker)->delete_marker);
  auto by_id = run(service_->versions().delete_marker(alice_, "ver", "k", del->version_id));
  ASSERT_TRUE(by_id.is_ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->last_modified, (*marker)->last_modified);
  EXPECT_FALSE(
      run(service_->versions().delete_marker(alice_, "ver", "k", a->version_id))->has_value());
  g.version_id = del->version_id;
  EXPECT_EQ(get(alice_, "ver", "k", g).status().code(), StatusCode::kMethodNotAllowed);
  auto versions = run(service_->versions().list_object_versions(alice_, "ver", {}));
  ASSERT_TRUE(versions.is_ok());
  ASSERT_EQ(versions->versions.size(), 4u);
  EXPECT_TRUE(versions->versions[0].delete_marker);
  EXPECT_TRUE(versions->versions[0].is_latest);
  EXPECT_EQ(versions->versions[1].version_id, b->version_id);
  EXPECT_FALSE(versions->versions[1].is_latest);
  EXPECT_EQ(versions->versions[3].version_id, "null");
  EXPECT_TRUE(run(service_->reads().list_objects(alice_, "ver", {}))->objects.empty());
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "ver"))->objects, 0u);

  // Removing the marker by version id brings B back.
  DeleteOptions d;
  d.version_id = del->version_id;
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "ver", "k", d)).is_ok());
  EXPECT_EQ(*get(alice_, "ver", "k"), "B");
  EXPECT_FALSE(
      run(service_->versions().delete_marker(alice_, "ver", "k", std::nullopt))->has_value());
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "ver"))->objects, 1u);
  // Deleting the latest version exposes the previous one.
  d.version_id = b->version_id;
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "ver", "k", d)).is_ok());
  EXPECT_EQ(*get(alice_, "ver", "k"), "A");

  // Suspended: puts replace the null version, older versions stay.
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "ver", VersioningState::kSuspended))
          .is_ok());
  ASSERT_TRUE(put(alice_, "ver", "k", "N2").is_ok());
  ASSERT_TRUE(put(alice_, "ver", "k", "N3").is_ok());
  versions = run(service_->versions().list_object_versions(alice_, "ver", {}));
  ASSERT_EQ(versions->versions.size(), 2u);  // null (N3) and A
  EXPECT_EQ(versions->versions[0].version_id, "null");
  EXPECT_EQ(versions->versions[1].version_id, a->version_id);
  EXPECT_EQ(*get(alice_, "ver", "k"), "N3");
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "ver"))->bytes, 3u);  // "N3" + "A"
}

TEST_F(ObjectServiceTest, AppendPositions) {
  make_bucket("logs", alice_);
  PutOptions o;
  o.append_position = 5;
  EXPECT_EQ(put(alice_, "logs", "a.log", "xx", o).status().code(), StatusCode::kPositionMismatch);
  std::string part1 = random_bytes(1500000, 2), part2 = random_bytes(700000, 3);
  o.append_position = 0;
  o.checksum_algorithm = ChecksumAlgorithm::kCrc64Nvme;
  auto first = put(alice_, "logs", "a.log", part1, o);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_TRUE(first->appendable);
  o.append_position = 10;
  EXPECT_EQ(put(alice_, "logs", "a.log", part2, o).status().code(), StatusCode::kPositionMismatch);
  o.append_position = part1.size();
  auto second = put(alice_, "logs", "a.log", part2, o);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_EQ(second->size, part1.size() + part2.size());
  EXPECT_EQ(*get(alice_, "logs", "a.log"), part1 + part2);
  EXPECT_THAT(second->etag, ::testing::EndsWith("-2"));
  // The combined CRC64-NVME equals the CRC of the whole content.
  auto whole = Checksum::create(ChecksumAlgorithm::kCrc64Nvme);
  (*whole)->update(part1 + part2);
  ASSERT_TRUE(second->checksum.has_value());
  EXPECT_EQ(second->checksum->digest, (*whole)->finish());
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "logs"))->bytes,
            part1.size() + part2.size());
}

TEST_F(ObjectServiceTest, PatchSharesTheBytesItDoesNotReplace) {
  make_bucket("vol", alice_);
  const uint64_t chunk = options_.chunk_size;
  std::string data = random_bytes(3 * chunk, 5);
  auto base = put(alice_, "vol", "disk", data);
  ASSERT_TRUE(base.is_ok()) << base.status().to_string();
  std::string middle = random_bytes(chunk, 6);
  PutOptions o;
  o.patch = ObjectPatch{base->etag,
                        base->size,
                        {PatchPiece{true, 0, chunk}, PatchPiece{false, 0, chunk},
                         PatchPiece{true, 2 * chunk, chunk}, PatchPiece{false, 0, 10}}};
  const uint64_t before = store_->stats().bytes_written;
  auto patched = put(alice_, "vol", "disk", middle + "0123456789", o);
  ASSERT_TRUE(patched.is_ok()) << patched.status().to_string();
  EXPECT_EQ(store_->stats().bytes_written - before, chunk + 10) << "only the written bytes";
  std::string want = data.substr(0, chunk) + middle + data.substr(2 * chunk) + "0123456789";
  EXPECT_EQ(*get(alice_, "vol", "disk"), want);
  EXPECT_EQ(patched->size, want.size());
  EXPECT_THAT(patched->etag, ::testing::EndsWith("-1"));
  EXPECT_NE(patched->etag, base->etag);
  // The base changed (the ETag named is not the current one's): refused.
  EXPECT_EQ(put(alice_, "vol", "disk", middle + "0123456789", o).status().code(),
            StatusCode::kPreconditionFailed);
  // Written bytes must add up to the written pieces.
  o.patch->base_etag = patched->etag;
  o.patch->base_size = patched->size;
  EXPECT_EQ(put(alice_, "vol", "disk", "short", o).status().code(), StatusCode::kInvalidArgument);
  o.append_position = 0;
  EXPECT_EQ(put(alice_, "vol", "disk", "x", o).status().code(), StatusCode::kInvalidArgument);
  // The old version's chunks are released; the shared ones stay readable.
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(*get(alice_, "vol", "disk"), want);
}

TEST_F(ObjectServiceTest, RenamePrefixMovesEveryObjectInOneCommit) {
  make_bucket("tree", alice_);
  PutOptions meta;
  meta.user_metadata["file-owner"] = "7";
  ASSERT_TRUE(put(alice_, "tree", "a/", "").is_ok());
  ASSERT_TRUE(put(alice_, "tree", "a/1", "one", meta).is_ok());
  ASSERT_TRUE(put(alice_, "tree", "a/b/2", random_bytes(2 * options_.chunk_size, 7)).is_ok());
  ASSERT_TRUE(put(alice_, "tree", "ab", "not under a/").is_ok());
  auto before = run(service_->buckets().head_bucket(alice_, "tree"));
  const std::function<Status(MetaBatch*)> none;
  EXPECT_EQ(
      run(service_->writes().rename_prefix(alice_, "tree", "a/", "z/", 2, none)).status().code(),
      StatusCode::kTooLarge);
  EXPECT_EQ(
      run(service_->writes().rename_prefix(alice_, "tree", "a/", "a/c/", 10, none)).status().code(),
      StatusCode::kInvalidArgument);
  auto moved = run(service_->writes().rename_prefix(alice_, "tree", "a/", "z/", 10, none));
  ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
  EXPECT_EQ(*moved, 3u);
  ListObjectsOptions lo;
  lo.with_metadata = true;
  auto list = run(service_->reads().list_objects(alice_, "tree", lo));
  ASSERT_TRUE(list.is_ok());
  std::vector<std::string> keys;
  for (const auto& o : list->objects) keys.push_back(o.key);
  EXPECT_THAT(keys, ElementsAre("ab", "z/", "z/1", "z/b/2"));
  EXPECT_EQ(list->objects[2].user_metadata.at("file-owner"), "7") << "listed with its metadata";
  EXPECT_EQ(*get(alice_, "tree", "z/1"), "one");
  auto after = run(service_->buckets().head_bucket(alice_, "tree"));
  EXPECT_EQ(after->objects, before->objects);
  EXPECT_EQ(after->bytes, before->bytes);
  EXPECT_EQ(
      run(service_->writes().rename_prefix(alice_, "tree", "z/", "ab/", 10, none)).status().code(),
      StatusCode::kOk)
      << "'ab' is an object, not under 'ab/'";
  ASSERT_TRUE(put(alice_, "tree", "y/x", "taken").is_ok());
  EXPECT_EQ(
      run(service_->writes().rename_prefix(alice_, "tree", "ab/", "y/", 10, none)).status().code(),
      StatusCode::kAlreadyExists);
  // The shared chunks survive the collection of nothing.
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(get(alice_, "tree", "ab/b/2")->size(), 2 * options_.chunk_size);

  // Versioned: the old keys keep their versions under a delete marker.
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "tree", VersioningState::kEnabled))
          .is_ok());
  ASSERT_TRUE(run(service_->writes().rename_prefix(alice_, "tree", "ab/", "v/", 10, none)).is_ok());
  EXPECT_EQ(*get(alice_, "tree", "v/1"), "one");
  EXPECT_EQ(get(alice_, "tree", "ab/1").status().code(), StatusCode::kNotFound);
  ListVersionsOptions vo;
  vo.prefix = "ab/1";
  auto versions = run(service_->versions().list_object_versions(alice_, "tree", vo));
  ASSERT_TRUE(versions.is_ok());
  ASSERT_EQ(versions->versions.size(), 2u);
  EXPECT_TRUE(versions->versions[0].delete_marker);
}

TEST_F(ObjectServiceTest, CopySharesChunksAndAppliesDirectives) {
  make_bucket("src", alice_);
  make_bucket("dst", alice_);
  std::string data = random_bytes(4 << 20, 4);
  PutOptions o;
  o.user_metadata = {{"a", "1"}};
  o.tags = {{"t", "v"}};
  auto src = put(alice_, "src", "big", data, o);
  ASSERT_TRUE(src.is_ok());
  size_t files_before = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    files_before += e.is_regular_file();
  }
  CopyOptions c;
  auto copy = run(service_->writes().copy_object(alice_, "src", "big", "dst", "copy", c));
  ASSERT_TRUE(copy.is_ok()) << copy.status().to_string();
  EXPECT_EQ(copy->etag, src->etag);
  EXPECT_EQ(copy->user_metadata.at("a"), "1");
  size_t files_after = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    files_after += e.is_regular_file();
  }
  EXPECT_EQ(files_before, files_after);  // no byte copied
  // Deleting the source keeps the copy readable, even after GC.
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "src", "big", {})).is_ok());
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(*get(alice_, "dst", "copy"), data);

  c.metadata_directive = MetadataDirective::kReplace;
  c.replace.user_metadata = {{"b", "2"}};
  c.tagging_directive = MetadataDirective::kReplace;
  auto replaced = run(service_->writes().copy_object(alice_, "dst", "copy", "dst", "copy", c));
  ASSERT_TRUE(replaced.is_ok());
  EXPECT_EQ(replaced->user_metadata.size(), 1u);
  EXPECT_EQ(replaced->user_metadata.at("b"), "2");
  EXPECT_TRUE(
      run(service_->reads().get_object_tagging(alice_, "dst", "copy", std::nullopt))->empty());
  EXPECT_EQ(*get(alice_, "dst", "copy"), data);
  // Copy onto itself without changes is refused; source conditions apply.
  EXPECT_EQ(
      run(service_->writes().copy_object(alice_, "dst", "copy", "dst", "copy", {})).status().code(),
      StatusCode::kInvalidArgument);
  CopyOptions cond;
  cond.source_conditions.if_none_match = {replaced->etag};
  EXPECT_EQ(
      run(service_->writes().copy_object(alice_, "dst", "copy", "dst", "c2", cond)).status().code(),
      StatusCode::kPreconditionFailed);
  // Not across owners.
  make_bucket("bobs", bob_);
  EXPECT_EQ(
      run(service_->writes().copy_object(bob_, "dst", "copy", "bobs", "x", {})).status().code(),
      StatusCode::kPermissionDenied);
}

TEST_F(ObjectServiceTest, ObjectAndBucketTaggingAndCors) {
  make_bucket("bkt", alice_);
  ASSERT_TRUE(put(alice_, "bkt", "k", "x").is_ok());
  ASSERT_TRUE(
      run(service_->writes().put_object_tagging(alice_, "bkt", "k", {{"x", "1"}}, std::nullopt))
          .is_ok());
  EXPECT_EQ(run(service_->reads().get_object_tagging(alice_, "bkt", "k", std::nullopt))->at("x"),
            "1");
  TagSet many;
  for (int i = 0; i < 11; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(run(service_->writes().put_object_tagging(alice_, "bkt", "k", many, std::nullopt))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      run(service_->buckets().put_bucket_tagging(alice_, "bkt", {{"dept", "radiology"}})).is_ok());
  EXPECT_EQ(run(service_->buckets().get_bucket_tagging(alice_, "bkt"))->at("dept"), "radiology");
  CorsRule rule;
  rule.allowed_origins = {"https://*.hospital.org"};
  rule.allowed_methods = {"GET", "PUT"};
  rule.allowed_headers = {"*"};
  rule.max_age_seconds = 600;
  ASSERT_TRUE(run(service_->buckets().put_bucket_cors(alice_, "bkt", {rule})).is_ok());
  auto rules = run(service_->buckets().get_bucket_cors(alice_, "bkt"));
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ(rules->at(0).max_age_seconds, 600);
  auto m = run(
      service_->buckets().match_cors("bkt", "https://pacs.hospital.org", "PUT", {"content-type"}));
  ASSERT_TRUE(m.is_ok());
  EXPECT_TRUE(m->has_value());
  m = run(service_->buckets().match_cors("bkt", "https://evil.com", "PUT", {}));
  EXPECT_FALSE(m->has_value());
  m = run(service_->buckets().match_cors("bkt", "https://pacs.hospital.org", "DELETE", {}));
  EXPECT_FALSE(m->has_value());
}

TEST_F(ObjectServiceTest, StateSurvivesReopen) {
  make_bucket("bkt", alice_);
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "bkt", VersioningState::kEnabled))
          .is_ok());
  std::string data = random_bytes(2 << 20, 9);
  ASSERT_TRUE(put(alice_, "bkt", "k", data).is_ok());
  auto up = run(service_->multipart().create_multipart_upload(alice_, "bkt", "mp", {}));
  ASSERT_TRUE(up.is_ok());
  ASSERT_TRUE(upload_part(alice_, "bkt", "mp", up->upload_id, 1, "part").is_ok());
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(*get(alice_, "bkt", "k"), data);
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "bkt"))->versioning,
            VersioningState::kEnabled);
  auto parts = run(service_->multipart().list_parts(alice_, "bkt", "mp", up->upload_id, {}));
  ASSERT_TRUE(parts.is_ok());
  EXPECT_EQ(parts->parts.size(), 1u);
}

}  // namespace
}  // namespace skyarray::services::testing

namespace skyarray::services::testing {
namespace {

class ObjectRaceTest : public ServiceFixture {};

// Many writers race to create one key with If-None-Match: * and to append at
// the same position: exactly one of each wins, the others get
// kPreconditionFailed / kPositionMismatch and leave nothing behind.
TEST_F(ObjectRaceTest, ConditionalCreateAndAppendHaveOneWinner) {
  make_bucket("race", alice_);
  constexpr int kWriters = 8;
  auto race = [&](PutOptions o, std::string key) {
    boost::asio::io_context io;
    std::vector<Status> results(kWriters);
    for (int i = 0; i < kWriters; ++i) {
      boost::asio::co_spawn(
          io,
          [&, i]() -> Task<void> {
            std::string body = "writer-" + std::to_string(i);
            const std::string bucket = "race";  // named: no temporaries in co_await
            auto w = co_await service_->writes().put_object(alice_, bucket, key, o);
            if (!w.is_ok()) {
              results[i] = w.status();
              co_return;
            }
            Buffer b = Buffer::copy_of(body);
            results[i] = co_await (*w)->write(std::move(b));
            if (results[i].is_ok()) results[i] = (co_await (*w)->commit()).status();
          },
          boost::asio::detached);
    }
    io.run();
    return results;
  };
  PutOptions create;
  create.if_none_match = {"*"};
  auto results = race(create, "once");
  int wins = 0;
  for (const auto& s : results) {
    if (s.is_ok()) {
      ++wins;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kPreconditionFailed) << s.to_string();
    }
  }
  EXPECT_EQ(wins, 1);
  PutOptions append;
  append.append_position = 0;
  results = race(append, "log");
  wins = 0;
  for (const auto& s : results) {
    if (s.is_ok()) {
      ++wins;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kPositionMismatch) << s.to_string();
    }
  }
  EXPECT_EQ(wins, 1);
  auto head = run(service_->reads().head_object(alice_, "race", "log", {}));
  ASSERT_TRUE(head.is_ok());
  EXPECT_EQ(head->size, std::string("writer-0").size());
  EXPECT_EQ(run(service_->buckets().head_bucket(alice_, "race"))->objects, 2u);

  PutOptions big;
  big.user_metadata["x"] = std::string(3000, 'm');
  EXPECT_EQ(put(alice_, "race", "meta", "x", big).status().code(), StatusCode::kTooLarge);
}

}  // namespace
}  // namespace skyarray::services::testing
