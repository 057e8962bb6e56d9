#include "meta/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace skyarray {
namespace {

// A sink that records the groups it is given, optionally slowly (a sync).
struct Recorder {
  std::mutex mu;
  std::vector<size_t> groups;  // records per group
  std::string bytes;
  std::chrono::milliseconds delay{0};
  Status fail;
  GroupCommitter::Sink sink() {
    return [this](const std::string& b, size_t n) {
      std::this_thread::sleep_for(delay);
      std::lock_guard lock(mu);
      groups.push_back(n);
      bytes += b;
      return fail;
    };
  }
};

// Completions in the order they ran.
struct Order {
  std::mutex mu;
  std::vector<uint64_t> seqs;
  std::vector<Status> statuses;
  GroupCommitter::Done done(uint64_t seq) {
    return [this, seq](Status s) {
      std::lock_guard lock(mu);
      seqs.push_back(seq);
      statuses.push_back(std::move(s));
    };
  }
};

TEST(GroupCommitterTest, LaterRecordWaitsForEarlierOne) {
  Recorder sink;
  GroupCommitter c(sink.sink());
  c.reset(10);
  Order order;
  c.submit(12, 2, "b", order.done(12));  // sequences 12..13
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard lock(order.mu);
    EXPECT_TRUE(order.seqs.empty()) << "12 acknowledged while 11 was missing";
  }
  EXPECT_EQ(c.durable(), 10u);
  c.submit(11, 1, "a", order.done(11));
  c.drain();
  EXPECT_EQ(order.seqs, (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(c.durable(), 13u);
  EXPECT_EQ(sink.bytes, "ba");  // written as they came; replay sorts
}

TEST(GroupCommitterTest, ConcurrentSubmitsShareGroupsAndCompleteInOrder) {
  Recorder sink;
  sink.delay = std::chrono::milliseconds(2);  // a sync's worth of gathering time
  GroupCommitter c(sink.sink());
  constexpr int kThreads = 16, kEach = 50;
  std::atomic<uint64_t> next{1};
  std::mutex acked_mu;
  std::vector<uint64_t> acked;
  std::vector<std::thread> threads;
  std::mutex seq_mu;  // sequence numbers are given out in submit order here
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        uint64_t seq;
        {
          std::lock_guard lock(seq_mu);
          seq = next++;
        }
        ASSERT_TRUE(c.submit_and_wait(seq, 1, "x").is_ok());
        // Every record before this one is durable once this returns.
        EXPECT_GE(c.durable(), seq);
        std::lock_guard lock(acked_mu);
        acked.push_back(seq);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acked.size(), size_t{kThreads * kEach});
  EXPECT_EQ(c.durable(), uint64_t{kThreads * kEach});
  std::lock_guard lock(sink.mu);
  EXPECT_LT(sink.groups.size(), acked.size()) << "no group held two records";
  std::printf("%zu records in %zu groups\n", acked.size(), sink.groups.size());
}

TEST(GroupCommitterTest, FailedGroupFailsItAndEverythingAfterUntilReset) {
  Recorder sink;
  GroupCommitter c(sink.sink());
  Order order;
  c.submit(2, 1, "later", order.done(2));  // written, then waits for 1
  auto written = [&] {
    std::lock_guard lock(sink.mu);
    return sink.groups.size();
  };
  for (int i = 0; i < 500 && written() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  {
    std::lock_guard lock(sink.mu);
    ASSERT_EQ(sink.groups.size(), 1u);
    sink.fail = Status::io_error("disk gone");
  }
  c.submit(1, 1, "first", order.done(1));
  c.drain();
  {
    std::lock_guard lock(sink.mu);
    sink.fail = Status();
  }
  c.submit(3, 1, "after", order.done(3));
  c.drain();
  ASSERT_EQ(order.statuses.size(), 3u);
  for (const auto& s : order.statuses) EXPECT_FALSE(s.is_ok());
  // A new log starts clean.
  c.reset(3);
  EXPECT_TRUE(c.submit_and_wait(4, 1, "new").is_ok());
  EXPECT_EQ(c.durable(), 4u);
}

}  // namespace
}  // namespace skyarray
