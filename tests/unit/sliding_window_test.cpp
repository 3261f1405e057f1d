// The sliding-window arithmetic (verify/sliding_window): the estimate, the
// admission rule, the wait until one more request fits, and the header numbers.
#include "verify/sliding_window.hpp"

#include <gtest/gtest.h>

namespace authd::verify {
namespace {

// 1'800'000'000 s is a multiple of 60: windows of 60 s start there.
constexpr int64_t kStart = 1'800'000'000'000;
const keys::RateLimit kTen{10, 60};

// The previous window counts by the share of it still inside the sliding window.
TEST(SlidingWindow, EstimateWeighsThePreviousWindow) {
  EXPECT_DOUBLE_EQ(slidingEstimate({10, 0}, kStart, 60), 10);
  EXPECT_DOUBLE_EQ(slidingEstimate({10, 2}, kStart + 15'000, 60), 7.5 + 2);
  EXPECT_DOUBLE_EQ(slidingEstimate({10, 2}, kStart + 45'000, 60), 2.5 + 2);
  EXPECT_DOUBLE_EQ(slidingEstimate({0, 3}, kStart + 59'999, 60), 3);
  EXPECT_EQ(windowIndex(kStart, 60), kStart / 60'000);
  EXPECT_EQ(windowIndex(kStart - 1, 60), kStart / 60'000 - 1);
}

// Allowed iff estimate + 1 ≤ limit: a full previous window refuses right after the edge, unlike a fixed window.
TEST(SlidingWindow, FullPreviousWindowRefusesAfterTheEdge) {
  EXPECT_FALSE(slidingAllows({10, 0}, kTen, kStart + 1));
  EXPECT_FALSE(slidingAllows({10, 0}, kTen, kStart + 5'000));  // 9.17 + 1 > 10
  EXPECT_TRUE(slidingAllows({10, 0}, kTen, kStart + 6'000));   // 9 + 1 ≤ 10
  EXPECT_TRUE(slidingAllows({0, 9}, kTen, kStart + 1));
  EXPECT_FALSE(slidingAllows({0, 10}, kTen, kStart + 1));
}

// The wait is to the first moment one more fits: within the window, or into the next one when this one is full.
TEST(SlidingWindow, WaitUntilOneMoreFits) {
  EXPECT_EQ(slidingWaitMs({0, 3}, kTen, kStart), 0);
  // 10 in the previous window: 1/10 of it must slide out (6 s in), from 1 s in.
  const int64_t w = slidingWaitMs({10, 0}, kTen, kStart + 1'000);
  EXPECT_GE(w, 5'000);
  EXPECT_LE(w, 5'002);
  EXPECT_TRUE(slidingAllows({10, 0}, kTen, kStart + 1'000 + w));
  // This window full at 20 s: 40 s to its end, then 1/10 of it must slide out.
  const int64_t next = slidingWaitMs({0, 10}, kTen, kStart + 20'000);
  EXPECT_GE(next, 46'000);
  EXPECT_LE(next, 46'002);
  EXPECT_TRUE(slidingAllows({10, 0}, kTen, kStart + 20'000 + next - 60'000 + 60'000));
}

// Remaining = floor(limit - estimate after this request); reset = seconds to the window's end; retry when denied.
TEST(SlidingWindow, DescribeGivesTheHeaders) {
  const RateDecision ok = describe(kTen, {4, 3}, true, kStart + 30'000);  // 2 + 3 + 1
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.limit, 10);
  EXPECT_EQ(ok.remaining, 4);
  EXPECT_EQ(ok.resetSeconds, 30);
  EXPECT_EQ(ok.retryAfterSeconds, 0);
  const RateDecision no = describe(kTen, {0, 10}, false, kStart + 59'500);
  EXPECT_FALSE(no.allowed);
  EXPECT_EQ(no.remaining, 0);
  EXPECT_EQ(no.resetSeconds, 1);       // never 0
  EXPECT_EQ(no.retryAfterSeconds, 7);  // 0.5 s to the edge, then 6 s
}

}  // namespace
}  // namespace authd::verify
