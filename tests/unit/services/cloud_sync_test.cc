// Cloud tier in-process: the upload queue's per-key ordering, the registry's
// sealed secrets, the commit hook, the workers against an in-memory target
// that injects outages and counts what it receives, and metadata
// checkpoints written in parts and read back in ranged pieces.
#include <gmock/gmock.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <thread>

#include "common/checksum.h"
#include "common/encoding.h"
#include "meta/meta_store.h"
#include "service_test_util.h"
#include "services/cloud/checkpoint_writer.h"
#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_sync.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/restore_stream.h"
#include "services/cloud/upload_digests.h"
#include "services/cloud/upload_queue.h"

namespace skyarray::services::testing {
namespace {

std::string md5_hex(const std::string& data) {
  auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
  (*md5)->update(data);
  return hex_encode((*md5)->finish());
}

// A cloud bucket in memory. Fails the next `fail_next` calls with
// kUnavailable (an outage) and records every part number it receives.
class MemoryTarget : public CloudTarget {
 public:
  struct Bucket {
    std::mutex mu;
    std::map<std::string, std::string> objects;
    std::map<std::string, CloudObjectAttrs> attrs;
    std::map<std::string, std::map<uint32_t, std::string>> uploads;
    std::vector<uint32_t> part_puts;
    std::vector<std::string> aborted;  // upload ids
    int gets = 0;
    uint64_t largest_get = 0;                  // bytes asked for by one get()
    std::map<std::string, std::string> etags;  // head/list ETag when set ("etag" otherwise)
    size_t page_size = 0;                      // list(): entries per page (0: all)
    int lists = 0;
    std::string etag_of(const std::string& key) const {
      auto it = etags.find(key);
      return it == etags.end() ? "etag" : it->second;
    }
    int fail_next = 0;
    uint32_t fail_part_once = 0;  // this part number fails once
    bool check_md5 = false;       // put_object() checks Content-MD5, as S3 does
    int refuse_digest = 0;        // put_object() answers BadDigest this many times
    int bad_digests = 0;
    int calls = 0;
    bool fail() {
      ++calls;
      if (fail_next > 0) {
        --fail_next;
        return true;
      }
      return false;
    }
  };
  explicit MemoryTarget(std::shared_ptr<Bucket> b) : b_(std::move(b)) {}

  Task<Result<std::string>> put_object(const std::string& key, const CloudObjectAttrs& attrs,
                                       std::string& body, const std::string& md5,
                                       uint32_t crc) override {
    std::lock_guard lock(b_->mu);
    if (b_->fail()) co_return Status::unavailable("injected outage");
    if (crc != crc32c(0, body.data(), body.size())) co_return Status(StatusCode::kBadDigest, "crc");
    if (b_->check_md5 && (b_->refuse_digest > 0 || hex_encode(md5) != md5_hex(body))) {
      if (b_->refuse_digest > 0) --b_->refuse_digest;
      ++b_->bad_digests;
      co_return Status(StatusCode::kBadDigest, "Content-MD5");
    }
    b_->objects[key] = std::move(body);
    b_->attrs[key] = attrs;
    co_return std::string("etag");
  }
  Task<Result<std::string>> create_multipart(const std::string& key,
                                             const CloudObjectAttrs& attrs) override {
    std::lock_guard lock(b_->mu);
    if (b_->fail()) co_return Status::unavailable("injected outage");
    std::string id = "up" + std::to_string(b_->uploads.size());
    b_->uploads[id];
    b_->attrs[key] = attrs;
    co_return id;
  }
  Task<Result<std::string>> upload_part(const std::string&, const std::string& id, uint32_t n,
                                        std::string& body, const std::string& md5,
                                        uint32_t crc) override {
    std::lock_guard lock(b_->mu);
    if (b_->fail()) co_return Status::unavailable("injected outage");
    if (md5.size() != 16 || crc != crc32c(0, body.data(), body.size()))
      co_return Status(StatusCode::kBadDigest, "part digests");
    if (n == b_->fail_part_once) {
      b_->fail_part_once = 0;
      co_return Status::unavailable("injected outage on a part");
    }
    b_->uploads[id][n] = std::move(body);
    b_->part_puts.push_back(n);
    co_return "p" + std::to_string(n);
  }
  Task<Result<std::string>> complete_multipart(const std::string& key, const std::string& id,
                                               const std::vector<CloudPart>& parts) override {
    std::lock_guard lock(b_->mu);
    if (b_->fail()) co_return Status::unavailable("injected outage");
    std::string all;
    for (const auto& p : parts) all += b_->uploads[id].at(p.number);
    b_->objects[key] = std::move(all);
    co_return std::string("etag-") + std::to_string(parts.size());
  }
  Task<Status> abort_multipart(const std::string&, const std::string& id) override {
    std::lock_guard lock(b_->mu);
    b_->uploads.erase(id);
    b_->aborted.push_back(id);
    co_return Status::ok();
  }
  Task<Result<CloudObjectHead>> head(const std::string& key) override {
    std::lock_guard lock(b_->mu);
    auto it = b_->objects.find(key);
    if (it == b_->objects.end()) co_return Status::not_found(key);
    CloudObjectHead h;
    h.size = it->second.size();
    if (b_->etags.count(key)) h.etag = b_->etags[key];
    if (auto a = b_->attrs.find(key); a != b_->attrs.end()) h.attrs = a->second;
    co_return h;
  }
  Task<Result<std::string>> get(const std::string& key, uint64_t first, uint64_t length) override {
    std::lock_guard lock(b_->mu);
    auto it = b_->objects.find(key);
    if (it == b_->objects.end()) co_return Status::not_found(key);
    if (first > it->second.size()) co_return Status::invalid_argument("range past the end");
    b_->gets++;
    b_->largest_get = std::max(b_->largest_get, length == 0 ? it->second.size() : length);
    co_return it->second.substr(first, length == 0 ? std::string::npos : length);
  }
  Task<Result<std::map<std::string, std::string>>> get_tags(const std::string&) override {
    co_return std::map<std::string, std::string>{};
  }
  Task<Status> put_tags(const std::string&, const std::map<std::string, std::string>&) override {
    co_return Status::ok();
  }
  Task<Status> remove(const std::string& key) override {
    std::lock_guard lock(b_->mu);
    if (b_->fail()) co_return Status::unavailable("injected outage");
    b_->objects.erase(key);
    co_return Status::ok();
  }
  // Pages of `page_size`; the token is the last key of the previous page.
  Task<Result<CloudListPage>> list(const std::string& prefix, const std::string& token,
                                   const std::string&) override {
    std::lock_guard lock(b_->mu);
    b_->lists++;
    CloudListPage page;
    auto it = token.empty() ? b_->objects.lower_bound(prefix) : b_->objects.upper_bound(token);
    for (; it != b_->objects.end() && it->first.starts_with(prefix); ++it) {
      if (b_->page_size && page.entries.size() == b_->page_size) {
        page.next_token = page.entries.back().key;
        break;
      }
      page.entries.push_back({it->first, it->second.size(), b_->etag_of(it->first), 0});
    }
    co_return page;
  }

 private:
  std::shared_ptr<Bucket> b_;
};

CloudTargetFactory memory_factory(std::shared_ptr<MemoryTarget::Bucket> b) {
  return [b](boost::asio::io_context&,
             const CloudTargetConfig&) -> Result<std::unique_ptr<CloudTarget>> {
    return std::unique_ptr<CloudTarget>(new MemoryTarget(b));
  };
}

CloudTargetConfig target_config() {
  CloudTargetConfig t;
  t.name = "mem";
  t.endpoint = "http://127.0.0.1:1";
  t.bucket = "offsite";
  t.prefix = "site/";
  t.access_key = "AKID";
  t.secret_key = "very-secret-value";
  return t;
}

class CloudSyncTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    auto key = SecretBox::from_key(std::string(32, 'k'));
    ASSERT_TRUE(key.is_ok());
    auto reg = CloudRegistry::open(*meta_, std::move(*key));
    ASSERT_TRUE(reg.is_ok());
    registry_ = std::move(*reg);
    ASSERT_TRUE(registry_->add_target(target_config(), false).is_ok());
  }
  void TearDown() override {
    stop_workers();
    service_->set_change_stager(nullptr);
    service_->set_tiering(nullptr);
    sync_.reset();
    registry_.reset();
    ServiceFixture::TearDown();
  }

  // A CloudSync whose workers run on their own runtime thread.
  void start_workers(CloudSyncOptions o) {
    RuntimeOptions ro;
    ro.io_threads = 1;
    ro.blocking_threads = 2;
    ro.shutdown_grace_seconds = 0.1;
    cloud_rt_ = std::make_unique<Runtime>(ro);
    sync_ = std::make_unique<CloudSync>(*cloud_rt_, *meta_, *service_, *registry_,
                                        memory_factory(bucket_), o);
    service_->set_change_stager(sync_.get());
    service_->set_tiering(sync_.get());
    sync_->start();
    thread_ = std::thread([this] { cloud_rt_->run(); });
  }
  void stop_workers() {
    if (!thread_.joinable()) return;
    cloud_rt_->stop();
    thread_.join();
  }
  void link(const std::string& bucket) {
    CloudLink l;
    l.bucket = bucket;
    l.target = "mem";
    ASSERT_TRUE(registry_->add_link(l).is_ok());
  }
  uint64_t backlog() {
    UploadQueue q(*meta_);
    return q.stats()->objects;
  }
  bool wait_drained(double seconds = 20) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(int(seconds * 1000));
    while (std::chrono::steady_clock::now() < end) {
      if (backlog() == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<CloudRegistry> registry_;
  std::unique_ptr<Runtime> cloud_rt_;
  std::unique_ptr<CloudSync> sync_;
  std::thread thread_;
  std::shared_ptr<MemoryTarget::Bucket> bucket_ = std::make_shared<MemoryTarget::Bucket>();
};

TEST_F(CloudSyncTest, NextKeysGoesRoundTheQueueFromACursor) {
  UploadQueue q(*meta_);
  MetaBatch b;
  for (const char* k : {"a", "b", "c", "d", "e"}) q.stage(&b, "pacs", k, 1);
  q.stage(&b, "pacs", "c", 2);  // two entries of one key: one item
  q.stage(&b, "ct", "z", 1);    // another bucket sorts first
  ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
  auto names = [](const std::vector<QueuedKey>& keys) {
    std::string out;
    for (const auto& k : keys) out += k.bucket + "/" + k.key + " ";
    return out;
  };
  EXPECT_EQ(names(*q.next_keys(3, {})), "ct/z pacs/a pacs/b ");
  EXPECT_EQ(names(*q.next_keys(2, {}, UploadQueue::id("pacs", "b"))), "pacs/c pacs/d ");
  // Past the end it wraps to the start; skipped keys stay out.
  EXPECT_EQ(names(*q.next_keys(3, {UploadQueue::id("ct", "z")}, UploadQueue::id("pacs", "d"))),
            "pacs/e pacs/a pacs/b ");
  // The cursor key itself comes last (a change committed after it was taken).
  EXPECT_EQ(names(*q.next_keys(10, {}, UploadQueue::id("pacs", "c"))),
            "pacs/d pacs/e ct/z pacs/a pacs/b pacs/c ");
  // A finished key's entries are gone from every round.
  auto c = q.entries_of("pacs", "c");
  ASSERT_TRUE(q.finish("pacs", "c", (*c)->max_seq).is_ok());
  EXPECT_EQ(names(*q.next_keys(10, {}, UploadQueue::id("pacs", "a"))),
            "pacs/b pacs/d pacs/e ct/z pacs/a ");
}

TEST_F(CloudSyncTest, QueueKeepsChangesCommittedDuringAnUpload) {
  UploadQueue q(*meta_);
  MetaBatch b1;
  q.stage(&b1, "pacs", "a", 10);
  q.stage(&b1, "pacs", "a", 20);
  q.stage(&b1, "pacs", "b", 5);
  ASSERT_TRUE(meta_->commit(std::move(b1)).is_ok());
  auto keys = q.next_keys(10, {});
  ASSERT_TRUE(keys.is_ok());
  ASSERT_EQ(keys->size(), 2u);  // one item per key, newest size
  EXPECT_EQ((*keys)[0].key, "a");
  EXPECT_EQ((*keys)[0].size, 20u);
  // A worker took "a" up to max_seq; a change committed meanwhile survives.
  uint64_t seen = (*keys)[0].max_seq;
  MetaBatch b2;
  q.stage(&b2, "pacs", "a", 30);
  ASSERT_TRUE(meta_->commit(std::move(b2)).is_ok());
  ASSERT_TRUE(q.finish("pacs", "a", seen).is_ok());
  auto left = q.entries_of("pacs", "a");
  ASSERT_TRUE(left.is_ok() && left->has_value());
  EXPECT_EQ((*left)->size, 30u);
  EXPECT_GT((*left)->max_seq, seen);
  // Sequence numbers keep growing across a reopen.
  UploadQueue reopened(*meta_);
  MetaBatch b3;
  reopened.stage(&b3, "pacs", "a", 40);
  ASSERT_TRUE(meta_->commit(std::move(b3)).is_ok());
  EXPECT_GT((*reopened.entries_of("pacs", "a"))->max_seq, (*left)->max_seq);
  EXPECT_EQ(q.stats()->objects, 2u);
  ASSERT_TRUE(q.drop_bucket("pacs").is_ok());
  EXPECT_EQ(q.stats()->objects, 0u);
}

TEST_F(CloudSyncTest, RegistrySealsSecretsAndReloads) {
  auto raw = meta_->scan_prefix(MetaCf::kBuckets, std::string("\x01"));
  bool found = false;
  for (raw->seek_to_first(); raw->valid(); raw->next()) {
    found = true;
    EXPECT_EQ(std::string(raw->value()).find("very-secret-value"), std::string::npos);
  }
  EXPECT_TRUE(found);
  link("pacs");
  EXPECT_EQ(registry_->remove_target("mem").code(), StatusCode::kConflict);
  auto again = CloudRegistry::open(*meta_, *SecretBox::from_key(std::string(32, 'k')));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ((*again)->target("mem")->secret_key, "very-secret-value");
  EXPECT_EQ((*again)->link_of("pacs")->target, "mem");
  auto wrong = CloudRegistry::open(*meta_, *SecretBox::from_key(std::string(32, 'x')));
  EXPECT_EQ(wrong.status().code(), StatusCode::kCorruption);
}

TEST_F(CloudSyncTest, ChangesOfLinkedBucketsAreQueuedInTheirBatch) {
  CloudSync hook(*rt_, *meta_, *service_, *registry_, nullptr, {});
  service_->set_change_stager(&hook);
  make_bucket("pacs", alice_);
  make_bucket("local", alice_);
  link("pacs");
  ASSERT_TRUE(put(alice_, "pacs", "x", "12345").is_ok());
  ASSERT_TRUE(put(alice_, "local", "y", "12345").is_ok());
  UploadQueue q(*meta_);
  auto keys = q.next_keys(10, {});
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].bucket, "pacs");
  EXPECT_EQ((*keys)[0].size, 5u);
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "pacs", "x", {})).is_ok());
  EXPECT_EQ((*q.entries_of("pacs", "x"))->size, 0u);
  service_->set_change_stager(nullptr);
}

TEST_F(CloudSyncTest, OutageIsRetriedAndCloudEndsInLocalState) {
  make_bucket("pacs", alice_);
  link("pacs");
  bucket_->fail_next = 5;
  CloudSyncOptions o;
  o.retry_base_seconds = 0.01;
  o.retry_max_seconds = 0.05;
  o.poll_seconds = 0.01;
  start_workers(o);
  ASSERT_TRUE(put(alice_, "pacs", "keep", "keep-bytes").is_ok());
  ASSERT_TRUE(put(alice_, "pacs", "gone", "short-lived").is_ok());
  ASSERT_TRUE(put(alice_, "pacs", "keep", "final-bytes").is_ok());
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "pacs", "gone", {})).is_ok());
  ASSERT_TRUE(wait_drained());
  std::lock_guard lock(bucket_->mu);
  EXPECT_EQ(bucket_->objects.size(), 1u);
  EXPECT_EQ(bucket_->objects["site/keep"], "final-bytes");
  EXPECT_EQ(bucket_->fail_next, 0);
  auto st = run(sync_->status());
  EXPECT_GE(st->errors, 1u);
}

// A simple object's ETag goes out as its Content-MD5 (no second hashing);
// a digest the cloud refuses falls back to hashing the bytes.
TEST_F(CloudSyncTest, SimpleObjectsSendTheirETagAsContentMd5AndFallBackToHashing) {
  EXPECT_EQ(hex_encode(*md5_of_etag(md5_hex("abc"))), md5_hex("abc"));
  EXPECT_FALSE(md5_of_etag(md5_hex("abc") + "-2").has_value());
  EXPECT_FALSE(md5_of_etag(std::string(32, 'z')).has_value());
  make_bucket("pacs", alice_);
  link("pacs");
  bucket_->check_md5 = true;
  bucket_->refuse_digest = 1;
  CloudSyncOptions o;
  // A failed upload would wait a minute for its retry: draining in time
  // shows the refused digest was answered within the same upload.
  o.retry_base_seconds = 60;
  o.retry_max_seconds = 60;
  o.poll_seconds = 0.01;
  start_workers(o);
  ASSERT_TRUE(put(alice_, "pacs", "a", "first-bytes").is_ok());
  ASSERT_TRUE(put(alice_, "pacs", "b", "second-bytes").is_ok());
  ASSERT_TRUE(wait_drained());
  std::lock_guard lock(bucket_->mu);
  EXPECT_EQ(bucket_->objects["site/a"], "first-bytes");
  EXPECT_EQ(bucket_->objects["site/b"], "second-bytes");
  EXPECT_EQ(bucket_->bad_digests, 1);
  EXPECT_EQ(bucket_->refuse_digest, 0);
}

TEST_F(CloudSyncTest, MultipartPartsAreNotResentAfterAFailure) {
  make_bucket("pacs", alice_);
  link("pacs");
  bucket_->fail_part_once = 3;
  CloudSyncOptions o;
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  o.retry_base_seconds = 0.01;
  o.poll_seconds = 0.01;
  start_workers(o);
  std::string data = random_bytes(23 << 20, 7);  // 5 parts of 5 MiB
  ASSERT_TRUE(put(alice_, "pacs", "big", data).is_ok());
  ASSERT_TRUE(wait_drained());
  std::lock_guard lock(bucket_->mu);
  EXPECT_EQ(bucket_->objects["site/big"] == data, true);
  // Parts 1 and 2 were recorded before part 3 failed: each part went up once.
  EXPECT_THAT(bucket_->part_puts, ::testing::ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(bucket_->uploads.size(), 1u);  // the same upload was resumed
}

TEST_F(CloudSyncTest, NothingIsEvictedBeforeItsCloudCopyIsVerified) {
  make_bucket("pacs", alice_);
  CloudLink l;
  l.bucket = "pacs";
  l.target = "mem";
  l.mode = LinkMode::kCache;
  l.cache_bytes = 100 << 10;
  ASSERT_TRUE(registry_->add_link(l).is_ok());
  bucket_->fail_next = 1 << 30;  // the cloud refuses every upload
  CloudSyncOptions o;
  o.retry_base_seconds = 0.01;
  o.retry_max_seconds = 0.02;
  o.poll_seconds = 0.01;
  o.evict_seconds = 0.01;
  start_workers(o);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(put(alice_, "pacs", "k" + std::to_string(i), random_bytes(50 << 10, i)).is_ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 8; ++i) {
    auto h = run(service_->reads().head_object(alice_, "pacs", "k" + std::to_string(i), {}));
    ASSERT_TRUE(h.is_ok());
    EXPECT_FALSE(h->evicted) << i;  // 400 KiB over a 100 KiB watermark, yet kept
  }
  {
    std::lock_guard lock(bucket_->mu);
    bucket_->fail_next = 0;  // the cloud comes back
  }
  ASSERT_TRUE(wait_drained());
  int evicted = 0;
  for (int i = 0; i < 50 && evicted == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    evicted = 0;
    for (int k = 0; k < 8; ++k) {
      evicted +=
          run(service_->reads().head_object(alice_, "pacs", "k" + std::to_string(k), {}))->evicted;
    }
  }
  EXPECT_GE(evicted, 6);  // down to 80 KiB: at most one 50 KiB object stays
  // Eviction keeps the record: size (and listing, metadata) unchanged.
  auto h = run(service_->reads().head_object(alice_, "pacs", "k0", {}));
  EXPECT_EQ(h->size, 50u << 10);
}

// Checkpoints, driven on the CheckpointWriter with parts of a few hundred
// bytes so that every line boundary case of the streaming paths runs.
class CloudCheckpointTest : public CloudSyncTest {
 protected:
  static constexpr const char* kPrefix = "site/.skyarray/checkpoints/";

  std::shared_ptr<CheckpointWriter> writer(uint64_t part_size) {
    const CloudParts parts{*rt_,
                           *registry_,
                           *service_,
                           std::make_shared<UploadQueue>(*meta_),
                           std::make_shared<CloudTargetPool>(*rt_, memory_factory(bucket_)),
                           std::make_shared<CloudCounters>()};
    return std::make_shared<CheckpointWriter>(parts, part_size);
  }
  std::vector<std::string> checkpoints() {
    std::lock_guard lock(bucket_->mu);
    std::vector<std::string> names;
    for (const auto& [k, v] : bucket_->objects) {
      if (k.starts_with(kPrefix)) names.push_back(k);
    }
    return names;
  }
  std::optional<CloudCheckpoint> read_back(uint64_t part_size) {
    MemoryTarget target(bucket_);
    auto cp = run(CheckpointReader::newest(target, target_config(), part_size));
    EXPECT_TRUE(cp.is_ok()) << cp.status().to_string();
    return cp.is_ok() ? std::move(*cp) : std::nullopt;
  }
  // Every key of checkpoint `name` with its versions, oldest first.
  std::map<std::string, std::vector<ImportedObject>> read_keys(const std::string& name,
                                                               uint64_t piece) {
    MemoryTarget target(bucket_);
    std::map<std::string, std::vector<ImportedObject>> keys;
    auto reader = run(CheckpointReader::open(target, name, piece));
    EXPECT_TRUE(reader.is_ok()) << reader.status().to_string();
    if (!reader.is_ok()) return keys;
    std::string key;
    std::vector<ImportedObject> versions;
    while (true) {
      auto more = run((*reader)->next(key, versions));
      EXPECT_TRUE(more.is_ok()) << more.status().to_string();
      if (!more.is_ok() || !*more) return keys;
      keys[key] = versions;
    }
  }
  CloudLink pacs_link() { return *registry_->link_of("pacs"); }
};

TEST_F(CloudCheckpointTest, WrittenInPartsAndReadBackInPieces) {
  make_bucket("pacs", alice_);
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "pacs", VersioningState::kEnabled))
          .is_ok());
  link("pacs");
  for (int i = 0; i < 40; ++i) {
    PutOptions o;
    o.user_metadata["study"] = "s" + std::to_string(i);
    ASSERT_TRUE(
        put(alice_, "pacs", "ct/" + std::to_string(i), "bytes-" + std::to_string(i), o).is_ok());
  }
  ASSERT_TRUE(put(alice_, "pacs", "ct/0", "second").is_ok());
  ASSERT_TRUE(run(service_->writes().delete_object(alice_, "pacs", "ct/1", {})).is_ok());

  constexpr uint64_t kPart = 256;
  Status st = run(writer(kPart)->write(pacs_link()));
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  auto names = checkpoints();
  ASSERT_EQ(names.size(), 1u);
  {
    std::lock_guard lock(bucket_->mu);
    const std::string& body = bucket_->objects[names[0]];
    // One multipart upload of full parts but the last, completed.
    ASSERT_EQ(bucket_->uploads.size(), 1u);
    const auto& parts = bucket_->uploads.begin()->second;
    EXPECT_GT(parts.size(), 10u);
    for (const auto& [n, part] : parts) {
      if (n < parts.size()) {
        EXPECT_EQ(part.size(), kPart) << n;
      }
      EXPECT_LE(part.size(), kPart) << n;
    }
    EXPECT_TRUE(bucket_->aborted.empty());
    EXPECT_EQ(body.substr(0, body.find('\n')).find("\"versions\""), std::string::npos);
    EXPECT_TRUE(body.starts_with("{\"v\":2,"));
    EXPECT_TRUE(body.ends_with("{\"end\":true,\"versions\":42}\n"))
        << body.substr(body.size() - 80);
  }

  auto cp = read_back(kPart);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->name, names[0]);
  EXPECT_EQ(cp->versioning, VersioningState::kEnabled);
  auto keys = read_keys(cp->name, kPart);
  EXPECT_EQ(keys.size(), 40u);
  ASSERT_EQ(keys["ct/0"].size(), 2u);  // oldest first
  EXPECT_EQ(keys["ct/0"][0].user_metadata["study"], "s0");
  EXPECT_EQ(keys["ct/0"][1].size, 6u);
  ASSERT_EQ(keys["ct/1"].size(), 2u);
  EXPECT_TRUE(keys["ct/1"][1].delete_marker);
  EXPECT_EQ(keys["ct/39"][0].user_metadata["study"], "s39");
  std::lock_guard lock(bucket_->mu);
  EXPECT_EQ(bucket_->largest_get, kPart);  // never the whole object
  EXPECT_GT(bucket_->gets, 10);
}

TEST_F(CloudCheckpointTest, SmallOneIsOnePutAndAFailedUploadIsAborted) {
  make_bucket("pacs", alice_);
  link("pacs");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(put(alice_, "pacs", "k" + std::to_string(i), "x").is_ok());
  ASSERT_TRUE(run(writer(1 << 20)->write(pacs_link())).is_ok());
  auto names = checkpoints();
  ASSERT_EQ(names.size(), 1u);
  {
    std::lock_guard lock(bucket_->mu);
    EXPECT_TRUE(bucket_->uploads.empty());  // one PUT
    bucket_->fail_part_once = 2;
  }
  Status st = run(writer(64)->write(pacs_link()));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
  {
    std::lock_guard lock(bucket_->mu);
    EXPECT_EQ(bucket_->aborted.size(), 1u);
    EXPECT_TRUE(bucket_->uploads.empty());  // nothing left in the cloud
  }
  EXPECT_EQ(checkpoints(), names);
  auto cp = read_back(64);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->name, names[0]);
  EXPECT_EQ(read_keys(cp->name, 64).size(), 5u);
}

TEST_F(CloudCheckpointTest, VersionOneIsReadAndATornOneSkipped) {
  {
    std::lock_guard lock(bucket_->mu);
    bucket_->objects[std::string(kPrefix) + "00000000000000000001.jsonl"] =
        "{\"v\":1,\"bucket\":\"pacs\",\"versioning\":\"suspended\",\"created_ns\":1,"
        "\"versions\":2}\n"
        "{\"k\":\"a\",\"id\":\"v2\",\"dm\":true,\"mtime\":5}\n"
        "{\"k\":\"a\",\"id\":\"v1\",\"dm\":false,\"size\":3,\"etag\":\"e1\"}\n";
    // Newer, but its end line never made it.
    bucket_->objects[std::string(kPrefix) + "00000000000000000002.jsonl"] =
        "{\"v\":2,\"bucket\":\"pacs\",\"versioning\":\"\",\"created_ns\":2}\n"
        "{\"k\":\"b\",\"id\":\"null\",\"dm\":false,\"size\":1,\"etag\":\"e\"}\n";
    // Newest: an end line whose count does not match.
    bucket_->objects[std::string(kPrefix) + "00000000000000000003.jsonl"] =
        "{\"v\":2,\"bucket\":\"pacs\",\"versioning\":\"\",\"created_ns\":3}\n"
        "{\"end\":true,\"versions\":1}\n";
    // Newer still: counted right, but its keys are out of order (a restore
    // merging it with the listing would miss "a").
    bucket_->objects[std::string(kPrefix) + "00000000000000000004.jsonl"] =
        "{\"v\":2,\"bucket\":\"pacs\",\"versioning\":\"\",\"created_ns\":4}\n"
        "{\"k\":\"b\",\"id\":\"null\",\"dm\":false,\"size\":1,\"etag\":\"e\"}\n"
        "{\"k\":\"a\",\"id\":\"null\",\"dm\":false,\"size\":1,\"etag\":\"e\"}\n"
        "{\"end\":true,\"versions\":2}\n";
  }
  auto cp = read_back(7);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->name, std::string(kPrefix) + "00000000000000000001.jsonl");
  EXPECT_EQ(cp->versioning, VersioningState::kSuspended);
  auto keys = read_keys(cp->name, 7);
  ASSERT_EQ(keys["a"].size(), 2u);
  EXPECT_EQ(keys["a"][0].version_id, "v1");
  EXPECT_EQ(keys["a"][0].etag, "e1");
  EXPECT_TRUE(keys["a"][1].delete_marker);
}

// Restore: the newest checkpoint and the cloud listing, both streamed and
// merged key by key.
class CloudRestoreTest : public CloudCheckpointTest {
 protected:
  // One checkpoint line; `body` gives the size and ETag of a version.
  struct Line {
    std::string key;
    std::string id;
    bool dm = false;
    std::string body;
  };
  // A checkpoint (format 2) of `lines`, in key order and newest first
  // within a key, stored in the cloud; returns its name.
  std::string put_checkpoint(const std::string& versioning, const std::vector<Line>& lines) {
    std::string text =
        "{\"v\":2,\"bucket\":\"pacs\",\"versioning\":\"" + versioning + "\",\"created_ns\":1}\n";
    for (const auto& l : lines) {
      text +=
          "{\"k\":\"" + l.key + "\",\"id\":\"" + l.id + "\",\"dm\":" + (l.dm ? "true" : "false");
      if (!l.dm) {
        text += ",\"size\":" + std::to_string(l.body.size()) + ",\"etag\":\"" + md5_hex(l.body) +
                "\",\"meta\":{\"from\":\"checkpoint\"}";
      }
      text += "}\n";
    }
    text += "{\"end\":true,\"versions\":" + std::to_string(lines.size()) + "}\n";
    std::string name = std::string(kPrefix) + "00000000000000000001.jsonl";
    std::lock_guard lock(bucket_->mu);
    bucket_->objects[name] = std::move(text);
    return name;
  }
  // An object in the cloud location (written by the array or any tool).
  void put_cloud(const std::string& key, const std::string& body) {
    std::lock_guard lock(bucket_->mu);
    bucket_->objects["site/" + key] = body;
    bucket_->etags["site/" + key] = md5_hex(body);
  }
  RestoreProgress wait_restored() {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    RestoreProgress p = sync_->restore_progress();
    while (p.running && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      p = sync_->restore_progress();
    }
    return p;
  }
  // "key id [dm] size" per version, as ListObjectVersions gives them.
  std::vector<std::string> versions_of(const std::string& key) {
    ListVersionsOptions o;
    o.prefix = key;
    auto page = run(service_->versions().list_object_versions(alice_, "pacs", o));
    EXPECT_TRUE(page.is_ok()) << page.status().to_string();
    std::vector<std::string> out;
    if (!page.is_ok()) return out;
    for (const auto& v : page->versions) {
      if (v.key != key) continue;
      out.push_back(v.delete_marker ? "dm" : std::to_string(v.size));
    }
    return out;
  }
  std::string version_id(const std::string& key, size_t i) {
    ListVersionsOptions o;
    o.prefix = key;
    auto page = run(service_->versions().list_object_versions(alice_, "pacs", o));
    return page.is_ok() && i < page->versions.size() ? page->versions[i].version_id : "";
  }
};

TEST_F(CloudRestoreTest, InterleavedCheckpointAndListingKeysAreMerged) {
  // Checkpoint keys (b, d, f, h, j) and listed keys interleave; the
  // listing comes in pages of 2, the checkpoint in pieces of 64 bytes.
  std::string name = put_checkpoint(
      "enabled", {
                     // Deleted before the checkpoint: its newest entry is a delete marker.
                     {"b/deleted", "0000000000000002", true, ""},
                     {"b/deleted", "0000000000000001", false, "old"},
                     // Unchanged since the checkpoint.
                     {"d/same", "0000000000000003", false, "same"},
                     // Overwritten after it.
                     {"f/changed", "0000000000000004", false, "before"},
                     // Deleted after it.
                     {"h/gone", "0000000000000005", false, "gone"},
                     // Deleted before it, written again after it.
                     {"j/recreated", "0000000000000007", true, ""},
                     {"j/recreated", "0000000000000006", false, "one"},
                 });
  // "!first" sorts before the private ".skyarray/" area, the others after.
  for (const char* k : {"!first", "a/new", "e/new", "g/new", "k/new", "z/last"}) {
    put_cloud(k, std::string("tool-") + k);
  }
  put_cloud("d/same", "same");
  put_cloud("f/changed", "after");
  put_cloud("j/recreated", "two!");
  bucket_->page_size = 2;

  CloudSyncOptions o;
  o.checkpoint_part_size = 64;
  o.poll_seconds = 0.01;
  start_workers(o);
  ASSERT_TRUE(sync_->start_restore("mem", "pacs", LinkMode::kSync, "alice").is_ok());
  RestoreProgress p = wait_restored();
  ASSERT_TRUE(p.done) << p.error;
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.checkpoint, name);
  EXPECT_EQ(p.versions_restored, 7u);
  EXPECT_EQ(p.objects_failed, 0u);
  {
    std::lock_guard lock(bucket_->mu);
    EXPECT_GT(bucket_->lists, 5);  // the listing was read page by page
  }

  // Newest first.
  EXPECT_THAT(versions_of("b/deleted"), ::testing::ElementsAre("dm", "3"));
  EXPECT_EQ(version_id("b/deleted", 0), "0000000000000002");
  EXPECT_EQ(version_id("b/deleted", 1), "0000000000000001");
  EXPECT_THAT(versions_of("d/same"), ::testing::ElementsAre("4"));
  EXPECT_EQ(version_id("d/same", 0), "0000000000000003");
  EXPECT_THAT(versions_of("f/changed"), ::testing::ElementsAre("5", "6"));
  EXPECT_EQ(version_id("f/changed", 1), "0000000000000004");
  EXPECT_THAT(versions_of("h/gone"), ::testing::ElementsAre("dm", "4"));
  EXPECT_EQ(version_id("h/gone", 1), "0000000000000005");
  EXPECT_THAT(versions_of("j/recreated"), ::testing::ElementsAre("4", "dm", "3"));
  EXPECT_EQ(version_id("j/recreated", 1), "0000000000000007");
  for (const char* k : {"!first", "a/new", "e/new", "g/new", "k/new", "z/last"}) {
    EXPECT_THAT(versions_of(k), ::testing::ElementsAre(std::to_string(5 + strlen(k)))) << k;
  }
  // Nothing of the private area became an object.
  ListObjectsOptions all;
  auto listed = run(service_->reads().list_objects(alice_, "pacs", all));
  ASSERT_TRUE(listed.is_ok());
  std::vector<std::string> keys;
  for (const auto& obj : listed->objects) keys.push_back(obj.key);
  EXPECT_THAT(keys, ::testing::ElementsAre("!first", "a/new", "d/same", "e/new", "f/changed",
                                           "g/new", "j/recreated", "k/new", "z/last"));
  // The prefetch brought the current bytes; checkpointed attributes stay.
  EXPECT_EQ(*get(alice_, "pacs", "f/changed"), "after");
  EXPECT_EQ(*get(alice_, "pacs", "d/same"), "same");
  EXPECT_EQ(*get(alice_, "pacs", "!first"), "tool-!first");
  auto head = run(service_->reads().head_object(alice_, "pacs", "d/same", {}));
  ASSERT_TRUE(head.is_ok());
  EXPECT_FALSE(head->evicted);
  EXPECT_EQ(head->user_metadata["from"], "checkpoint");
}

TEST_F(CloudRestoreTest, MergeHoldsOneWindowWhateverTheBucketSize) {
  // Checkpoint: every even key (k0001, odd, has 40 versions); listing:
  // every third key, in pages of 10.
  auto key = [](int i) {
    char k[16];
    std::snprintf(k, sizeof(k), "k%04d", i);
    return std::string(k);
  };
  std::vector<Line> lines;
  std::set<std::string> expected;
  for (int i = 0; i < 600; ++i) {
    if (i % 2 == 0) lines.push_back({key(i), "null", false, "v"});
    if (i == 1) {
      for (int v = 40; v > 0; --v) {
        char id[17];
        std::snprintf(id, sizeof(id), "%016x", v);
        lines.push_back({key(i), id, false, "v"});
      }
    }
    if (i % 3 == 0) put_cloud(key(i), "v");
    if (i % 2 == 0 || i % 3 == 0 || i == 1) expected.insert(key(i));
  }
  std::string name = put_checkpoint("enabled", lines);
  uint64_t checkpoint_bytes = 0;
  {
    std::lock_guard lock(bucket_->mu);
    checkpoint_bytes = bucket_->objects[name].size();
    bucket_->page_size = 10;
  }
  const uint64_t kPiece = 256;
  const int pages = 200 / 10 + 1;
  MemoryTarget target(bucket_);
  auto reader = run(CheckpointReader::open(target, name, kPiece));
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  RestoreStream stream(target, target_config(), std::move(*reader));

  // A window stops at 30 checkpointed versions: k0000 and k0001 (40).
  std::vector<RestoreItem> batch;
  ASSERT_TRUE(run(stream.next_batch(batch, 16, 30)).is_ok());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].key, "k0000");
  EXPECT_TRUE(batch[0].entry.has_value());
  EXPECT_EQ(batch[1].versions.size(), 40u);
  ASSERT_TRUE(run(stream.next_batch(batch, 16, 30)).is_ok());
  ASSERT_EQ(batch.size(), 16u);
  {
    // Only what those windows needed was read from the cloud.
    std::lock_guard lock(bucket_->mu);
    EXPECT_LE(bucket_->lists, 3);
    EXPECT_LT(static_cast<uint64_t>(bucket_->gets) * kPiece, checkpoint_bytes / 2);
  }
  std::vector<std::string> seen = {"k0000", "k0001"};
  size_t largest = 0;
  while (!batch.empty()) {
    largest = std::max(largest, batch.size());
    for (const auto& item : batch) {
      int i = std::stoi(item.key.substr(1));
      EXPECT_EQ(item.entry.has_value(), i % 3 == 0) << item.key;
      EXPECT_EQ(item.versions.size(), i % 2 == 0 ? 1u : i == 1 ? 40u : 0u) << item.key;
      if (item.entry) {
        EXPECT_EQ(item.entry->key, "site/" + item.key);
      }
      seen.push_back(item.key);
    }
    Status st = run(stream.next_batch(batch, 16, 30));
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }
  EXPECT_EQ(largest, 16u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
  EXPECT_EQ(seen.size(), expected.size());
  std::lock_guard lock(bucket_->mu);
  EXPECT_EQ(bucket_->lists, pages);
}

}  // namespace
}  // namespace skyarray::services::testing
