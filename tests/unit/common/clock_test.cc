#include "common/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace skyarray {
namespace {

using std::chrono::seconds;

TEST(ClockTest, WithoutOffsetFollowsTheSystemClock) {
  Clock clock;
  auto before = std::chrono::system_clock::now();
  auto now = clock.now();
  auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  EXPECT_EQ(clock.offset(), seconds(0));
}

TEST(ClockTest, OffsetMovesNowDecadesAhead) {
  // 2099-01-01T00:00:00Z, a retain-until date decades ahead.
  const Timestamp y2099 = from_ns(int64_t{4070908800} * 1000000000);
  Clock clock;
  EXPECT_LT(clock.now(), y2099);
  clock.set_offset(std::chrono::duration_cast<seconds>(y2099 - std::chrono::system_clock::now()) +
                   seconds(3600));
  EXPECT_GT(clock.now(), y2099);
  EXPECT_GT(clock.now_ns(), to_ns(y2099));
  clock.set_offset(seconds(0));
  EXPECT_LT(clock.now(), y2099);
}

TEST(ClockTest, ConstructedWithAnOffset) {
  Clock clock(seconds(86400));
  auto diff = clock.now() - std::chrono::system_clock::now();
  EXPECT_GT(diff, seconds(86000));
  EXPECT_LT(diff, seconds(86500));
}

TEST(ClockTest, OffsetChangesAreSeenByOtherThreads) {
  Clock clock;
  std::thread t([&] { clock.set_offset(seconds(1000)); });
  t.join();
  EXPECT_EQ(clock.offset(), seconds(1000));
}

}  // namespace
}  // namespace skyarray
