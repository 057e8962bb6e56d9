#include "store/blob_store.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/checksum.h"
#include "drives/drive_identity.h"
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;

using BlobStoreTest = testing::StoreFixture;

TEST_F(BlobStoreTest, RoundTripAllSizesWithDigests) {
  ASSERT_TRUE(open().is_ok());
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{4096}, size_t{4097}, size_t{1} << 20, (size_t{5} << 19) + 3}) {
    std::string data = random_bytes(size, size);
    WriteOptions wo;
    wo.checksums = {ChecksumAlgorithm::kSha256};
    auto w = write(data, 70001, wo);
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    EXPECT_EQ(w->ref.size(), size);
    EXPECT_EQ(w->ref.is_inline(), size <= 4096) << size;
    EXPECT_EQ(w->ref.chunk_ids().size(), size <= 4096 ? 0 : (size + (1 << 20) - 1) >> 20);
    auto md5 = Checksum::create(ChecksumAlgorithm::kMd5).value();
    md5->update(data);
    EXPECT_EQ(w->digests.md5, md5->finish());
    EXPECT_EQ(w->digests.crc32c, crc32c(0, data.data(), data.size()));
    auto sha = Checksum::create(ChecksumAlgorithm::kSha256).value();
    sha->update(data);
    ASSERT_EQ(w->digests.checksums.size(), 1u);
    EXPECT_EQ(w->digests.checksums[0].second, sha->finish());
    ASSERT_TRUE(commit(w->ref).is_ok());
    auto back = read(BlobRef::decode(w->ref.encode()).value());
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_TRUE(*back == data) << size;
  }
  // Two replicas per chunk on distinct drives.
  EXPECT_EQ(store_->stats().under_replicated_writes, 0u);
}

TEST_F(BlobStoreTest, ReplicasLandOnDistinctDrives) {
  options_.replicas = 3;
  ASSERT_TRUE(open().is_ok());
  auto w = write(random_bytes(3 << 20, 1));
  ASSERT_TRUE(w.is_ok());
  for (uint64_t id : w->ref.chunk_ids()) {
    auto files = replica_files(id);
    ASSERT_EQ(files.size(), 3u);
    std::set<std::string> drives;
    for (auto& f : files) drives.insert(f.parent_path().parent_path().parent_path().string());
    EXPECT_EQ(drives.size(), 3u);
  }
  // A fourth replica has no fourth drive: still written, reported.
  WriteOptions four;
  four.replicas = 4;
  auto w4 = write(random_bytes(2 << 20, 2), 1 << 20, four);
  ASSERT_TRUE(w4.is_ok());
  EXPECT_TRUE(w4->under_replicated);
  EXPECT_GT(store_->stats().under_replicated_writes, 0u);
  // The shortfall is remembered durably for re-replication, and forgotten
  // with the chunk.
  ASSERT_TRUE(commit(w4->ref).is_ok());
  size_t queued = 0;
  for (auto it = meta_->scan_prefix(MetaCf::kQueues, "rr/"); it->valid(); it->next()) ++queued;
  EXPECT_EQ(queued, 2u);
  ASSERT_TRUE(release(w4->ref).is_ok());
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  queued = 0;
  for (auto it = meta_->scan_prefix(MetaCf::kQueues, "rr/"); it->valid(); it->next()) ++queued;
  EXPECT_EQ(queued, 0u);
}

// A chunk whose drive went offline between its write and its commit is
// queued for re-replication: the rebuild that scanned the records when the
// drive went could not see it.
TEST_F(BlobStoreTest, ChunkCommittedAfterItsDriveWentOfflineIsQueued) {
  ASSERT_TRUE(open().is_ok());
  auto w = write(random_bytes(2 << 20, 3), 1 << 20);
  ASSERT_TRUE(w.is_ok());
  ASSERT_FALSE(w->under_replicated);
  for (Drive* d : store_->drives().drives()) d->set_state(DriveState::kOffline, "pulled");
  ASSERT_TRUE(commit(w->ref).is_ok());
  size_t queued = 0;
  for (auto it = meta_->scan_prefix(MetaCf::kQueues, "rr/"); it->valid(); it->next()) ++queued;
  EXPECT_EQ(queued, w->ref.chunk_ids().size());
  for (Drive* d : store_->drives().drives()) d->set_state(DriveState::kOnline, "");
}

TEST_F(BlobStoreTest, RangeReadsMatchSubstrings) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes((3 << 20) + 12345, 9);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {{0, 1},
                                                       {1, 65535},
                                                       {65535, 2},
                                                       {(1 << 20) - 7, 14},
                                                       {1 << 20, 1 << 20},
                                                       {data.size() - 1, 1},
                                                       {data.size(), 0},
                                                       {123457, 2000000},
                                                       {5, UINT64_MAX}};
  for (auto [off, len] : ranges) {
    for (size_t max : {size_t{1000}, size_t{1} << 22}) {
      auto got = read(w->ref, off, len, max);
      ASSERT_TRUE(got.is_ok()) << off;
      EXPECT_TRUE(*got == data.substr(off, len)) << off << "+" << len;
    }
  }
  EXPECT_EQ(store_->new_reader(w->ref, data.size() + 1).status().code(), StatusCode::kOutOfRange);
  // Concatenation and slicing share chunks: multipart/copy without copying data.
  BlobRef both = w->ref;
  both.append(w->ref.slice(10, 100).value());
  ASSERT_TRUE(commit(both).is_ok());
  EXPECT_TRUE(*read(both) == data + data.substr(10, 100));
}

TEST_F(BlobStoreTest, ChecksumMismatchFallsOverToGoodReplica) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 3);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  auto files = replica_files(w->ref.chunk_ids()[0]);
  ASSERT_EQ(files.size(), 2u);
  // Damage each replica in turn: whichever is read first, the reader must
  // notice and serve the good one. (Read-repair may rewrite the damaged
  // replica meanwhile; the original bytes are put back after each round.)
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  for (int i = 0; i < 2; ++i) {
    std::string original = slurp(files[i]);
    flip_byte(files[i], 8192 + 70000);  // data byte in block 1
    for (int j = 0; j < 4; ++j) {
      auto got = read(w->ref);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      EXPECT_TRUE(*got == data);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::ofstream(files[i], std::ios::binary | std::ios::trunc) << original;
  }
  EXPECT_GE(store_->stats().checksum_mismatches, 1u);
  EXPECT_GE(store_->stats().read_failovers, 1u);
  flip_byte(files[0], 8192 + 70000);
  flip_byte(files[1], 8192 + 70000);
  auto bad = read(w->ref);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption) << bad.status().to_string();
  // A range that avoids the damaged block still reads.
  EXPECT_TRUE(*read(w->ref, 0, 65536) == data.substr(0, 65536));
}

TEST_F(BlobStoreTest, DamagedReplicaIsRepairedFromGoodCopy) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 21);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  uint64_t id = w->ref.chunk_ids()[0];
  auto files = replica_files(id);
  ASSERT_EQ(files.size(), 2u);
  flip_byte(files[0], 8192 + 5);
  // Reads rotate over replicas, so the damaged one is met within a few reads.
  for (int i = 0; i < 4 && store_->stats().checksum_mismatches == 0; ++i) {
    ASSERT_TRUE(*read(w->ref) == data);
  }
  ASSERT_GE(store_->stats().checksum_mismatches, 1u);
  for (int i = 0; i < 200 && store_->stats().replicas_repaired == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store_->stats().replicas_repaired, 1u);
  // Both replicas now verify: damage the other one and still read.
  flip_byte(files[1], 8192 + 5);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(*read(w->ref) == data);
}

// read_piece(): verified pieces of chunks come back as file ranges; a
// damaged first replica sends the piece the read() way (failover, repair).
// With no checked chunks kept, so that every read checks its replica
// (verified_chunk_cache_test.cc covers the kept ones).
TEST_F(BlobStoreTest, ReadPieceHandsOutVerifiedFileRanges) {
  options_.chunk_size = 1 << 20;
  options_.verified_cache = 0;
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes((3 << 20) + 12345, 31);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  auto read_pieces = [&](uint64_t offset, uint64_t len, size_t* files) -> std::string {
    auto got = this->read_pieces(w->ref, offset, len, files);
    EXPECT_TRUE(got.is_ok()) << got.status().to_string();
    return got.is_ok() ? *got : std::string();
  };
  size_t files = 0;
  EXPECT_TRUE(read_pieces(0, data.size(), &files) == data);
  EXPECT_EQ(files, 4u);  // three whole chunks and the tail
  EXPECT_EQ(store_->stats().verified_cache_hits, 0u);
  files = 0;
  EXPECT_TRUE(read_pieces(70001, 1500000, &files) == data.substr(70001, 1500000));
  EXPECT_GE(files, 1u);
  // Damage one copy of the first chunk: every read still returns the right
  // bytes, the damage is found and repaired.
  auto victims = replica_files(w->ref.chunk_ids()[0]);
  ASSERT_EQ(victims.size(), 2u);
  flip_byte(victims[0], 8192 + 100);
  for (int i = 0; i < 4; ++i) {
    files = 0;
    EXPECT_TRUE(read_pieces(0, data.size(), &files) == data);
  }
  EXPECT_GE(store_->stats().checksum_mismatches, 1u);
  for (int i = 0; i < 200 && store_->stats().replicas_repaired == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store_->stats().replicas_repaired, 1u);
}

TEST_F(BlobStoreTest, InjectedReadErrorsFailOverAndDegradeDrive) {
  options_.replicas = 3;
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(2 << 20, 4);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  Drive* bad = store_->drives().drives()[0];
  bad->inject_fault(DriveFault::kFailReads);
  for (int i = 0; i < 30; ++i) {
    auto got = read(w->ref);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_TRUE(*got == data);
  }
  auto stats = store_->stats();
  EXPECT_EQ(stats.drives[0].state, DriveState::kDegraded);
  EXPECT_FALSE(stats.drives[0].reason.empty());
}

TEST_F(BlobStoreTest, InjectedWriteErrorKeepsDataOnOtherReplicas) {
  ASSERT_TRUE(open().is_ok());
  for (Drive* d : store_->drives().drives()) {
    if (d != store_->drives().drives()[2]) continue;
    d->inject_fault(DriveFault::kFailWrites);
  }
  std::string data = random_bytes(4 << 20, 5);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  ASSERT_TRUE(commit(w->ref).is_ok());
  EXPECT_TRUE(*read(w->ref) == data);
  // Every write failing: an error, and nothing left behind.
  for (Drive* d : store_->drives().drives()) d->inject_fault(DriveFault::kFailWrites);
  size_t before = chunk_files();
  auto fail = write(random_bytes(3 << 20, 6));
  EXPECT_FALSE(fail.is_ok());
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(chunk_files(), before);
}

TEST_F(BlobStoreTest, FullDriveFailsCleanlyWithNoSpace) {
  options_.replicas = 1;
  options_.drives.clear();
  for (int i = 0; i < 2; ++i) {
    DriveConfig c;
    c.path = (root_ / "drives" / ("q" + std::to_string(i))).string();
    c.label.bay = std::to_string(i);
    c.capacity = 3 << 20;  // room for 2 chunk files each
    options_.drives.push_back(c);
  }
  options_.reserve = 512 << 10;
  ASSERT_TRUE(open().is_ok());
  auto ok = write(random_bytes(2 << 20, 7));
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  ASSERT_TRUE(commit(ok->ref).is_ok());
  size_t before = chunk_files();
  auto full = write(random_bytes(8 << 20, 8));
  ASSERT_FALSE(full.is_ok());
  EXPECT_EQ(full.status().code(), StatusCode::kNoSpace) << full.status().to_string();
  // Let the abandoned flushes finish, then check nothing half-written stayed.
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(chunk_files(), before);
  EXPECT_TRUE(*read(ok->ref) == random_bytes(2 << 20, 7));
  for (auto& d : store_->stats().drives) EXPECT_LE(d.space.used, d.space.capacity);
}

TEST_F(BlobStoreTest, DeleteIsLogicalThenCollected) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(3 << 20, 10);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  // A copy shares the chunks.
  ASSERT_TRUE(commit(w->ref).is_ok());
  size_t files = chunk_files();
  EXPECT_EQ(files, 3u * 2);
  ASSERT_TRUE(release(w->ref).is_ok());
  EXPECT_EQ(*store_->collect_garbage(), 0u);
  EXPECT_TRUE(*read(w->ref) == data);
  ASSERT_TRUE(release(w->ref).is_ok());
  EXPECT_EQ(chunk_files(), files);  // logical first
  EXPECT_EQ(*store_->collect_garbage(), 3u);
  EXPECT_EQ(chunk_files(), 0u);
  EXPECT_FALSE(read(w->ref).is_ok());
}

TEST_F(BlobStoreTest, RecoveryRemovesOnlyUnreferencedFiles) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(2 << 20, 11);
  auto kept = write(data);
  ASSERT_TRUE(kept.is_ok() && commit(kept->ref).is_ok());
  auto orphan = write(random_bytes(2 << 20, 12));  // durable, never committed
  ASSERT_TRUE(orphan.is_ok());
  auto tmp = root_ / "drives" / "d0" / "tmp" / "0000000000000001.999.0";
  { std::ofstream(tmp) << "partial"; }
  EXPECT_EQ(chunk_files(), 8u);
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(chunk_files(), 4u);
  EXPECT_FALSE(std::filesystem::exists(tmp));
  EXPECT_GE(store_->stats().orphans_removed, 5u);
  EXPECT_TRUE(*read(kept->ref) == data);
}

TEST_F(BlobStoreTest, DiscardRemovesUncommittedChunks) {
  ASSERT_TRUE(open().is_ok());
  auto w = write(random_bytes(2 << 20, 13));
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(chunk_files(), 4u);
  store_->discard(w->ref);
  EXPECT_EQ(chunk_files(), 0u);
}

TEST_F(BlobStoreTest, AbortRemovesWrittenChunks) {
  ASSERT_TRUE(open().is_ok());
  auto w = store_->new_writer();
  testing::run_task([&]() -> Task<void> {
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE((co_await w->write(Buffer::copy_of(random_bytes(1 << 20, i)))).is_ok());
    }
    co_await w->abort();
  }());
  EXPECT_EQ(chunk_files(), 0u);
}

TEST_F(BlobStoreTest, ForeignDriveIsRefusedAndKeptIntact) {
  ASSERT_TRUE(open().is_ok());
  auto w = write(random_bytes(1 << 20, 14));
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  store_.reset();
  std::string d1 = (root_ / "drives" / "d1").string();
  auto id = DriveIdentity::read(d1);
  ASSERT_TRUE(id.is_ok());
  DriveIdentity foreign = *id;
  foreign.array_id = "0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(foreign.write(d1).is_ok());
  size_t files_before = chunk_files();
  ASSERT_TRUE(open().is_ok());
  auto stats = store_->stats();
  bool found = false;
  for (auto& d : stats.drives) {
    if (d.path == d1) {
      found = true;
      EXPECT_EQ(d.state, DriveState::kOffline);
      EXPECT_NE(d.reason.find("belongs to array"), std::string::npos) << d.reason;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(chunk_files(), files_before);  // nothing deleted from the foreign drive
  DriveConfig c;
  c.path = d1;
  auto add = store_->add_drive(c);
  EXPECT_EQ(add.status().code(), StatusCode::kPermissionDenied) << add.status().to_string();
  // Data is still served by the other replica.
  EXPECT_TRUE(read(w->ref).is_ok());
}

TEST_F(BlobStoreTest, MissingDriveIsOfflineAndDataServedFromReplicas) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(3 << 20, 22);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  store_.reset();
  std::filesystem::remove_all(root_ / "drives" / "d1");  // the disk is gone
  ASSERT_TRUE(open().is_ok());
  auto d1 = store_->stats().drives[1];
  EXPECT_EQ(d1.state, DriveState::kOffline);
  EXPECT_NE(d1.reason.find("missing"), std::string::npos) << d1.reason;
  EXPECT_FALSE(std::filesystem::exists(root_ / "drives" / "d1"));  // not re-created
  EXPECT_TRUE(*read(w->ref) == data);
  auto w2 = write(random_bytes(1 << 20, 23));
  ASSERT_TRUE(w2.is_ok());
  EXPECT_FALSE(w2->under_replicated);
}

TEST_F(BlobStoreTest, NonEmptyDirectoryWithoutIdentityIsNotFormatted) {
  auto d = root_ / "drives" / "d2";
  std::filesystem::create_directories(d);
  { std::ofstream(d / "someones-data") << "x"; }
  ASSERT_TRUE(open().is_ok());
  auto stats = store_->stats();
  EXPECT_EQ(stats.drives[2].state, DriveState::kOffline);
  EXPECT_NE(stats.drives[2].reason.find("not empty"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(d / "someones-data"));
}

TEST_F(BlobStoreTest, ReadOnlyDriveIsNotWritten) {
  ASSERT_TRUE(open().is_ok());
  auto w = write(random_bytes(1 << 20, 15));
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  store_.reset();
  auto d0 = root_ / "drives" / "d0";
  // A read-only bind mount when we may mount; otherwise skip.
  if (::mount(d0.c_str(), d0.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
      ::mount(nullptr, d0.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
    ::umount(d0.c_str());
    GTEST_SKIP() << "cannot mount read-only here";
  }
  Status s = open();
  bool degraded = s.is_ok() && store_->stats().drives[0].state == DriveState::kDegraded;
  Result<WrittenBlob> w2 = Status::internal("not run");
  if (s.is_ok()) w2 = write(random_bytes(2 << 20, 16));
  Result<std::string> back = s.is_ok() ? read(w->ref) : Result<std::string>(s);
  store_.reset();
  ::umount(d0.c_str());
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_TRUE(degraded);
  EXPECT_TRUE(w2.is_ok()) << w2.status().to_string();
  EXPECT_TRUE(back.is_ok());
}

TEST_F(BlobStoreTest, DrainingDriveIsReadButNotWrittenAndPersists) {
  ASSERT_TRUE(open().is_ok());
  auto w = write(random_bytes(2 << 20, 17));
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  uint32_t id = store_->drives().drives()[0]->id();
  ASSERT_TRUE(store_->set_drive_state(id, DriveState::kDraining).is_ok());
  EXPECT_EQ(store_->set_drive_state(99, DriveState::kDraining).code(), StatusCode::kNotFound);
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(store_->stats().drives[0].state, DriveState::kDraining);
  size_t before = chunk_files();
  auto w2 = write(random_bytes(3 << 20, 18));
  ASSERT_TRUE(w2.is_ok());
  EXPECT_FALSE(w2->under_replicated);  // two other drives take both replicas
  EXPECT_EQ(chunk_files(), before + 6);
  size_t on_drained = 0;
  for (auto& e :
       std::filesystem::recursive_directory_iterator(root_ / "drives" / "d0" / "chunks")) {
    on_drained += e.is_regular_file();
  }
  EXPECT_LE(on_drained, 2u);  // only the first blob's replicas
  EXPECT_TRUE(*read(w->ref) == random_bytes(2 << 20, 17));
  ASSERT_TRUE(store_->set_drive_state(id, DriveState::kOnline).is_ok());
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(store_->stats().drives[0].state, DriveState::kOnline);
}

TEST_F(BlobStoreTest, LostMetadataIsRestoredFromADriveCheckpoint) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(2 << 20, 19);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  auto later = write(random_bytes(2 << 20, 20));
  ASSERT_TRUE(later.is_ok() && commit(later->ref).is_ok());
  store_.reset();
  meta_.reset();
  // The metadata drive dies; the operator copies the newest checkpoint back.
  std::filesystem::remove_all(options_.effective_meta_dir());
  std::filesystem::path newest;
  for (auto& d : std::filesystem::directory_iterator(root_ / "drives")) {
    auto dir = d.path() / "meta-checkpoints";
    if (!std::filesystem::exists(dir)) continue;
    for (auto& e : std::filesystem::directory_iterator(dir)) {
      if (newest.empty() || e.path().filename() > newest.filename()) newest = e.path();
    }
  }
  ASSERT_FALSE(newest.empty());
  std::filesystem::copy(newest, options_.effective_meta_dir(),
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(open().is_ok());
  // The open replays the metadata journal (on the data drives) past the
  // checkpoint's sequence: the later commit comes back too, chunks and all.
  EXPECT_TRUE(*read(w->ref) == data);
  EXPECT_TRUE(read(later->ref).is_ok());
  EXPECT_EQ(chunk_files(), 8u);
}

TEST_F(BlobStoreTest, CheckpointGoesToTwoDrives) {
  ASSERT_TRUE(open().is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  int copies = 0;
  for (int i = 0; i < 3; ++i) {
    auto dir = root_ / "drives" / ("d" + std::to_string(i)) / "meta-checkpoints";
    if (!std::filesystem::exists(dir)) continue;
    int n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir)) {
      ++n;
      auto m = MetaStore::open(e.path().string());
      ASSERT_TRUE(m.is_ok());
      EXPECT_TRUE((*m)->get(MetaCf::kDrives, "array")->has_value());
    }
    EXPECT_LE(n, 2);
    copies += n > 0;
  }
  EXPECT_EQ(copies, 2);
}

}  // namespace
}  // namespace skyarray
