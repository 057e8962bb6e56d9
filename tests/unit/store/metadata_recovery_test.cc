// Losing the metadata directory: recovery from the newest drive checkpoint
// plus a scan of chunk headers.
#include "store/metadata_recovery.h"

#include <set>

#include "store/chunk_record.h"
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;

class MetadataRecoveryTest : public testing::StoreFixture {};

TEST_F(MetadataRecoveryTest, RestoresCheckpointAndCorrectsPlacementFromHeaders) {
  options_.replicas = 2;
  options_.dev_drives = 4;
  ASSERT_TRUE(open().is_ok());
  std::vector<std::pair<std::string, BlobRef>> before;
  for (int i = 0; i < 8; ++i) {
    std::string data = random_bytes((3 << 20) + i * 1000, 50 + i);
    auto w = write(data);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    before.emplace_back(std::move(data), w->ref);
  }
  ASSERT_TRUE(store_->checkpoint().is_ok());
  // After the checkpoint: drive 1 is drained (placement changes) and more
  // data arrives.
  ASSERT_TRUE(store_->set_drive_state(1, DriveState::kDraining).is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  ASSERT_TRUE(store_->set_drive_state(1, DriveState::kOnline).is_ok());
  auto late = write(random_bytes(2 << 20, 99));
  ASSERT_TRUE(late.is_ok() && commit(late->ref).is_ok());
  store_.reset();
  meta_.reset();

  std::filesystem::remove_all(options_.effective_meta_dir());  // the metadata drive dies
  auto report = MetadataRecovery::run(options_, /*force=*/false);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  std::printf("recovered from %s: %llu records, %llu corrected, %llu lost, %llu to lost+found\n",
              report->checkpoint.c_str(), (unsigned long long)report->chunk_records,
              (unsigned long long)report->records_changed, (unsigned long long)report->chunks_lost,
              (unsigned long long)report->files_to_lost_found);
  EXPECT_GT(report->records_changed, 0u);  // drive 1's copies moved after the checkpoint
  EXPECT_EQ(report->chunks_lost, 0u);
  EXPECT_EQ(report->chunks_under_replicated, 0u);
  EXPECT_EQ(report->files_to_lost_found, 2u * late->ref.chunk_ids().size());
  // A second run refuses to overwrite the database it just made.
  EXPECT_EQ(MetadataRecovery::run(options_, false).status().code(), StatusCode::kAlreadyExists);

  ASSERT_TRUE(open().is_ok());
  for (const auto& [data, ref] : before) {
    auto got = read(ref);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_TRUE(*got == data);
  }
  // The checkpoint predates `late`: its chunks are kept aside, not deleted.
  size_t kept = 0;
  for (int d = 0; d < 4; ++d) {
    auto dir = root_ / "drives" / ("d" + std::to_string(d)) / "lost+found";
    if (std::filesystem::exists(dir)) {
      for (auto& e : std::filesystem::directory_iterator(dir)) kept += e.is_regular_file();
    }
  }
  EXPECT_EQ(kept, 2u * late->ref.chunk_ids().size());
  // New chunks get ids above everything on disk.
  auto fresh = write(random_bytes(2 << 20, 7));
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_GT(fresh->ref.chunk_ids()[0] >> 32, late->ref.chunk_ids()[0] >> 32);
}

TEST_F(MetadataRecoveryTest, MissingReplicaIsQueuedAndNoCheckpointIsAnError) {
  options_.replicas = 2;
  options_.dev_drives = 3;
  std::filesystem::create_directories(root_);
  EXPECT_FALSE(MetadataRecovery::run(options_, false).is_ok());  // nothing to recover from
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(3 << 20, 5);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  store_.reset();
  meta_.reset();
  // One replica file of the first chunk vanishes too.
  char name[17];
  uint64_t id = w->ref.chunk_ids()[0];
  std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(id));
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    if (e.path().filename() == name && e.path().string().find("/chunks/") != std::string::npos) {
      std::filesystem::remove(e.path());
      break;
    }
  }
  auto report = MetadataRecovery::run(options_, /*force=*/true);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->chunks_under_replicated, 1u);
  ASSERT_TRUE(open().is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  EXPECT_EQ(store_->rebuild_progress().queued_chunks, 0u);
  EXPECT_TRUE(*read(w->ref) == data);
}

}  // namespace
}  // namespace skyarray
