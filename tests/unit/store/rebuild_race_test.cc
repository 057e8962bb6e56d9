// Re-replication racing the metadata changes that share or drop chunks:
// multipart complete (parts' chunks reused, counts moved), overwrite and
// delete, garbage collection and open readers. Whatever the interleaving a
// rebuild never resurrects a collected chunk's record, never loses a
// reference, and never leaves a record listing a replica that is not there.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "drives/chunk_file.h"
#include "meta/key_codec.h"
#include "store/chunk_record.h"
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;
using testing::run_task;

class RebuildRaceTest : public testing::StoreFixture {
 protected:
  // Six drives in three nodes, three replicas.
  void SetUp() override {
    StoreFixture::SetUp();
    options_.replicas = 3;
    for (int i = 0; i < 6; ++i) {
      DriveConfig c;
      c.path = (root_ / "drives" / ("d" + std::to_string(i))).string();
      c.label = {"n" + std::to_string(i / 2), "e0", std::to_string(i)};
      options_.drives.push_back(c);
    }
  }

  struct Object {
    BlobRef ref;
    std::string data;
  };

  size_t queue_length(std::string_view prefix) {
    size_t n = 0;
    for (auto it = meta_->scan_prefix(MetaCf::kQueues, std::string(prefix)); it->valid();
         it->next()) {
      ++n;
    }
    return n;
  }

  void settle() {
    for (int i = 0; i < 10 && queue_length("rr/") > 0; ++i) {
      ASSERT_TRUE(store_->rebuild_pass().is_ok());
    }
    ASSERT_TRUE(store_->collect_garbage().is_ok());
    EXPECT_EQ(queue_length("rr/"), 0u);
    EXPECT_EQ(queue_length("gc/"), 0u);
  }

  // Records, reference counts and files agree with the live objects.
  void expect_consistent(const std::vector<Object>& live) {
    std::map<uint64_t, int64_t> refs;
    for (const auto& o : live) {
      for (uint64_t id : o.ref.chunk_ids()) refs[id]++;
    }
    std::map<uint64_t, ChunkRecord> records;
    for (auto it = meta_->scan_prefix(MetaCf::kChunks, "c"); it->valid(); it->next()) {
      KeyReader r(it->key());
      uint64_t id = 0;
      ASSERT_TRUE(r.skip_raw("c") && r.read_u64(&id));
      records[id] = *ChunkRecord::decode(it->value());
    }
    for (const auto& [id, want] : refs) {
      ASSERT_TRUE(records.count(id)) << "live chunk " << id << " lost its record";
      EXPECT_EQ(*meta_->get_counter(MetaCf::kChunks, ChunkRecord::refcount_key(id)), want)
          << "chunk " << id;
    }
    for (const auto& [id, rec] : records) {
      EXPECT_TRUE(refs.count(id)) << "record of collected chunk " << id << " is back";
      std::set<uint32_t> distinct(rec.drives.begin(), rec.drives.end());
      EXPECT_EQ(distinct.size(), rec.drives.size()) << "chunk " << id;
      EXPECT_EQ(rec.drives.size(), 3u) << "chunk " << id;
      for (uint32_t d : rec.drives) {
        Drive* drive = store_->drives().find(d);
        ASSERT_NE(drive, nullptr);
        EXPECT_TRUE(std::filesystem::exists(ChunkFile::path(*drive, id)))
            << "chunk " << id << " lists a replica on drive " << d << " that is not there";
      }
    }
    // And no file outside the records.
    for (Drive* d : store_->drives().drives()) {
      for (auto& e : std::filesystem::recursive_directory_iterator(d->chunk_dir())) {
        if (!e.is_regular_file()) continue;
        uint64_t id = 0;
        ASSERT_TRUE(ChunkFile::parse_name(e.path().filename().string(), &id));
        auto it = records.find(id);
        bool listed = it != records.end() &&
                      std::find(it->second.drives.begin(), it->second.drives.end(), d->id()) !=
                          it->second.drives.end();
        EXPECT_TRUE(listed) << "unlisted file " << e.path();
      }
    }
    for (const auto& o : live) {
      auto got = read(o.ref);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      EXPECT_TRUE(*got == o.data);
    }
  }
};

// Parts are committed as they arrive; a drive is drained (every chunk
// queued) and the rebuild, the collector and the completes of the uploads
// (then overwrites and deletes of the results) all run at once.
TEST_F(RebuildRaceTest, MultipartCompleteOverwriteDeleteAndGcAgainstRebuild) {
  ASSERT_TRUE(open().is_ok());
  constexpr int kUploads = 16, kParts = 3;
  std::vector<std::vector<Object>> uploads(kUploads);
  for (int u = 0; u < kUploads; ++u) {
    for (int p = 0; p < kParts; ++p) {
      std::string data = random_bytes(300000 + 4096 * p, u * 10 + p);
      auto w = write(data);
      ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
      uploads[u].push_back({w->ref, std::move(data)});
    }
  }
  ASSERT_TRUE(store_->set_drive_state(1, DriveState::kDraining).is_ok());

  std::atomic<bool> stop{false};
  std::thread rebuild([&] {
    while (!stop) {
      EXPECT_TRUE(store_->rebuild_pass().is_ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::thread gc([&] {
    while (!stop) {
      EXPECT_TRUE(store_->collect_garbage().is_ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::vector<Object> live;
  for (int u = 0; u < kUploads; ++u) {
    Object done;
    for (const auto& p : uploads[u]) {
      done.ref.append(p.ref);
      done.data += p.data;
    }
    MetaBatch b;
    ASSERT_TRUE(store_->stage_commit(&b, done.ref).is_ok());
    for (const auto& p : uploads[u]) store_->stage_release(&b, p.ref);
    ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
    live.push_back(std::move(done));
  }
  // Overwrite every other object with a copy of its neighbour's first part
  // (shared chunks), delete every fourth.
  std::vector<Object> kept;
  for (size_t i = 0; i < live.size(); ++i) {
    MetaBatch b;
    if (i % 4 == 3) {
      store_->stage_release(&b, live[i].ref);
    } else if (i % 2 == 1) {
      auto part = live[i - 1].ref.slice(0, 300000);
      ASSERT_TRUE(part.is_ok());
      ASSERT_TRUE(store_->stage_commit(&b, *part).is_ok());
      store_->stage_release(&b, live[i].ref);
      kept.push_back({*part, live[i - 1].data.substr(0, 300000)});
    } else {
      kept.push_back(live[i]);
    }
    ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
  }
  stop = true;
  rebuild.join();
  gc.join();
  settle();
  expect_consistent(kept);
  EXPECT_EQ(*store_->chunks_on_drive(1), 0u);
}

// A reader caches a chunk's record; the rebuild then moves every copy it
// knows (one drive drained, the other failed) and removes the drained file.
// The reader finds the new replicas instead of failing.
TEST_F(RebuildRaceTest, OpenReaderFollowsReplicasMovedByRebuild) {
  options_.replicas = 2;
  ASSERT_TRUE(open().is_ok());
  const std::string data = random_bytes(900000, 7);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  uint64_t id = w->ref.chunk_ids().at(0);
  auto v = meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id));
  ChunkRecord before = *ChunkRecord::decode(**v);
  ASSERT_EQ(before.drives.size(), 2u);

  auto reader = store_->new_reader(w->ref);
  ASSERT_TRUE(reader.is_ok());
  auto head = run_task((*reader)->read(100000));
  ASSERT_TRUE(head.is_ok());
  ASSERT_TRUE(store_->set_drive_state(before.drives[0], DriveState::kDraining).is_ok());
  ASSERT_TRUE(store_->set_drive_state(before.drives[1], DriveState::kOffline).is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  Drive* drained = store_->drives().find(before.drives[0]);
  ASSERT_FALSE(std::filesystem::exists(ChunkFile::path(*drained, id)));

  std::string got(head->view());
  for (;;) {
    auto piece = run_task((*reader)->read(100000));
    ASSERT_TRUE(piece.is_ok()) << piece.status().to_string();
    if (piece->empty()) break;
    got.append(piece->view());
  }
  EXPECT_TRUE(got == data);
}

// The collector takes a chunk while the rebuild is copying it: the rebuild
// gives up and removes its new copies; nothing comes back.
TEST_F(RebuildRaceTest, ChunksCollectedDuringRebuildStayCollected) {
  ASSERT_TRUE(open().is_ok());
  std::vector<Object> objects;
  for (int i = 0; i < 24; ++i) {
    std::string data = random_bytes(400000, 500 + i);
    auto w = write(data);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    objects.push_back({w->ref, std::move(data)});
  }
  ASSERT_TRUE(store_->set_drive_state(2, DriveState::kOffline).is_ok());
  std::thread rebuild([&] { EXPECT_TRUE(store_->rebuild_pass().is_ok()); });
  std::vector<Object> kept;
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(release(objects[i].ref).is_ok());
      ASSERT_TRUE(store_->collect_garbage().is_ok());
    } else {
      kept.push_back(objects[i]);
    }
  }
  rebuild.join();
  settle();
  // Drive 2 is offline: its stale files are not ours to check; the rest is.
  std::error_code ec;
  std::filesystem::remove_all(root_ / "drives" / "d2" / "chunks", ec);
  std::filesystem::create_directories(root_ / "drives" / "d2" / "chunks");
  expect_consistent(kept);
}

}  // namespace
}  // namespace skyarray
