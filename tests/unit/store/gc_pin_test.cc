// Garbage collection against open readers: a reader pins the chunks of its
// range, so an overwrite or delete followed by a collection never removes
// bytes a reader is still streaming; the files go once the reader closes.
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;
using testing::run_task;

class GcPinTest : public testing::StoreFixture {
 protected:
  // Reads up to `max` bytes from an open reader.
  static Result<std::string> next(BlobReader* r, size_t max) {
    return run_task([&]() -> Task<Result<std::string>> {
      auto b = co_await r->read(max);
      if (!b.is_ok()) co_return b.status();
      co_return std::string(b->view());
    }());
  }
  static Result<std::string> drain(BlobReader* r) {
    std::string out;
    for (;;) {
      auto piece = next(r, 256 << 10);
      if (!piece.is_ok()) return piece.status();
      if (piece->empty()) return out;
      out += *piece;
    }
  }
};

TEST_F(GcPinTest, ReaderKeepsOverwrittenBlobUntilClosed) {
  ASSERT_TRUE(open().is_ok());
  const std::string old_data = random_bytes((4 << 20) + 12345, 1);
  auto old_blob = write(old_data);
  ASSERT_TRUE(old_blob.is_ok() && commit(old_blob->ref).is_ok());
  const size_t old_files = chunk_files();
  ASSERT_EQ(old_files, 5u * 2);

  auto reader = store_->new_reader(old_blob->ref);
  ASSERT_TRUE(reader.is_ok());
  auto head = next(reader->get(), 100000);
  ASSERT_TRUE(head.is_ok());

  // Overwrite: the new version commits, the old one is released in the same
  // batch, and the collector runs while the reader is mid-stream.
  const std::string new_data = random_bytes(3 << 20, 2);
  auto new_blob = write(new_data);
  ASSERT_TRUE(new_blob.is_ok());
  MetaBatch b;
  ASSERT_TRUE(store_->stage_commit(&b, new_blob->ref).is_ok());
  store_->stage_release(&b, old_blob->ref);
  ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
  EXPECT_EQ(*store_->collect_garbage(), 0u);
  EXPECT_EQ(chunk_files(), old_files + 3 * 2);

  auto rest = drain(reader->get());
  ASSERT_TRUE(rest.is_ok()) << rest.status().to_string();
  EXPECT_TRUE(*head + *rest == old_data);

  // Closed: the next collection takes the old chunks, and only those.
  reader->reset();
  EXPECT_EQ(*store_->collect_garbage(), 5u);
  EXPECT_EQ(chunk_files(), 3u * 2);
  EXPECT_TRUE(*read(new_blob->ref) == new_data);
  EXPECT_EQ(*store_->collect_garbage(), 0u);
}

TEST_F(GcPinTest, DeletedBlobStaysReadableForEveryOpenReader) {
  ASSERT_TRUE(open().is_ok());
  const std::string data = random_bytes(3 << 20, 3);
  auto blob = write(data);
  ASSERT_TRUE(blob.is_ok() && commit(blob->ref).is_ok());
  auto whole = store_->new_reader(blob->ref);
  auto tail = store_->new_reader(blob->ref, (2 << 20) + 7);  // the last chunk only
  ASSERT_TRUE(whole.is_ok() && tail.is_ok());
  ASSERT_TRUE(release(blob->ref).is_ok());

  EXPECT_EQ(*store_->collect_garbage(), 0u);
  auto got = drain(whole->get());
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_TRUE(*got == data);
  whole->reset();
  // Only the chunk the range reader pins is left.
  EXPECT_EQ(*store_->collect_garbage(), 2u);
  EXPECT_EQ(chunk_files(), 1u * 2);
  auto last = drain(tail->get());
  ASSERT_TRUE(last.is_ok()) << last.status().to_string();
  EXPECT_TRUE(*last == data.substr((2 << 20) + 7));
  tail->reset();
  EXPECT_EQ(*store_->collect_garbage(), 1u);
  EXPECT_EQ(chunk_files(), 0u);
  // The queue is empty: nothing was left behind for a pinned chunk.
  EXPECT_FALSE(meta_->scan_prefix(MetaCf::kQueues, "gc/")->valid());
}

TEST_F(GcPinTest, ReaderOpenedOnCollectedBlobFailsCleanly) {
  ASSERT_TRUE(open().is_ok());
  auto blob = write(random_bytes(2 << 20, 4));
  ASSERT_TRUE(blob.is_ok() && commit(blob->ref).is_ok());
  ASSERT_TRUE(release(blob->ref).is_ok());
  EXPECT_EQ(*store_->collect_garbage(), 2u);
  auto got = read(blob->ref);
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
}

// Many readers and collections at once: every reader gets its exact bytes.
TEST_F(GcPinTest, ConcurrentReadersOverwritesAndCollections) {
  ASSERT_TRUE(open().is_ok());
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, reads{0};
  std::mutex mu;
  std::pair<BlobRef, std::string> current;
  {
    std::string d = random_bytes(3 << 20, 100);
    auto w = write(d);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    current = {w->ref, d};
  }
  std::thread gc([&] {
    while (!stop) {
      EXPECT_TRUE(store_->collect_garbage().is_ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        std::pair<BlobRef, std::string> v;
        std::unique_ptr<BlobReader> r;
        {
          // The service holds the object's record while it opens the reader.
          std::lock_guard lock(mu);
          v = current;
          auto opened = store_->new_reader(v.first);
          ASSERT_TRUE(opened.is_ok());
          r = std::move(*opened);
        }
        std::string got;
        for (;;) {
          auto piece = next(r.get(), 64 << 10);
          ASSERT_TRUE(piece.is_ok()) << piece.status().to_string();
          if (piece->empty()) break;
          got += *piece;
        }
        if (got != v.second) wrong++;
        reads++;
      }
    });
  }
  for (int i = 0; i < 12; ++i) {
    std::string d = random_bytes((2 << 20) + i * 70000, 200 + i);
    auto w = write(d);
    ASSERT_TRUE(w.is_ok());
    std::lock_guard lock(mu);
    MetaBatch b;
    ASSERT_TRUE(store_->stage_commit(&b, w->ref).is_ok());
    store_->stage_release(&b, current.first);
    ASSERT_TRUE(meta_->commit(std::move(b)).is_ok());
    current = {w->ref, d};
  }
  stop = true;
  for (auto& t : readers) t.join();
  gc.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(reads.load(), 0);
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(chunk_files(), current.first.chunk_ids().size() * 2);
}

}  // namespace
}  // namespace skyarray
