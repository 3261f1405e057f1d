// When failed webhook attempts are retried: the doubling from 5 s, the 8 h cap, the ±20 % jitter, and the end of
// retries at the event's deadline.
#include "events/delivery_policy.hpp"

#include <gtest/gtest.h>

#include <random>

namespace authd::events {
namespace {

using namespace std::chrono_literals;

// 5 s, 10 s, 20 s… doubling per attempt until the 8 h cap, and no overflow however many attempts.
TEST(DeliveryPolicyTest, BackoffDoublesFromFiveSecondsUpToEightHours) {
  const BackoffPolicy p;
  EXPECT_EQ(baseBackoff(p, 1), 5s);
  EXPECT_EQ(baseBackoff(p, 2), 10s);
  EXPECT_EQ(baseBackoff(p, 3), 20s);
  EXPECT_EQ(baseBackoff(p, 4), 40s);
  EXPECT_EQ(baseBackoff(p, 13), 20480s);
  EXPECT_EQ(baseBackoff(p, 14), 8h);
  EXPECT_EQ(baseBackoff(p, 1000), 8h);
  EXPECT_EQ(baseBackoff(p, 0), 5s);
  EXPECT_EQ(baseBackoff({.first = 200ms}, 3), 800ms);
}

// The jitter moves a delay by at most ±20 %: 0 gives -20 %, 0.5 none, just under 1 nearly +20 %; random draws stay
// inside the bounds and spread over them.
TEST(DeliveryPolicyTest, JitterStaysWithinTwentyPercent) {
  const BackoffPolicy p;
  EXPECT_EQ(backoff(p, 1, 0.0), 4000ms);
  EXPECT_EQ(backoff(p, 1, 0.5), 5000ms);
  EXPECT_EQ(backoff(p, 1, 0.999999), 6000ms);
  EXPECT_EQ(backoff(p, 1, 7.0), 6000ms);  // clamped, never past the bound
  EXPECT_EQ(backoff(p, 20, 0.0), std::chrono::milliseconds(8h) * 8 / 10);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::chrono::milliseconds lowest = 1h, highest = 0ms;
  for (int i = 0; i < 10'000; ++i) {
    const auto d = backoff(p, 3, unit(rng));
    ASSERT_GE(d, 16s);
    ASSERT_LE(d, 24s);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  EXPECT_LT(lowest, 16'400ms);  // the draws reach both ends
  EXPECT_GT(highest, 23'600ms);
}

// Retries end when the event is WEBHOOK_RETRY_FOR old: before that the backoff, near it the time left (the last
// attempt falls on the deadline), at or after it none.
TEST(DeliveryPolicyTest, RetriesStopAtTheEventsDeadline) {
  const BackoffPolicy p;
  const SysTime at(std::chrono::seconds(1'800'000'000));
  EXPECT_EQ(nextRetry(p, 1, 0.5, at, at + 1s, 86400s), 5s);
  EXPECT_EQ(nextRetry(p, 15, 0.5, at, at + 86400s - 60s, 86400s), 60s);
  EXPECT_EQ(nextRetry(p, 2, 0.5, at, at + 86400s, 86400s), std::nullopt);
  EXPECT_EQ(nextRetry(p, 2, 0.5, at, at + 90000s, 86400s), std::nullopt);
}

// Failing every time, an event is tried 16 times over exactly a day (5 s … 8 h, then the time left) and then failed.
TEST(DeliveryPolicyTest, AlwaysFailingIsRetriedForAboutADay) {
  const BackoffPolicy p;
  const SysTime at(std::chrono::seconds(1'800'000'000));
  SysTime now = at;
  int attempts = 1;
  for (;; ++attempts) {
    const auto next = nextRetry(p, attempts, 0.5, at, now, 86400s);
    if (!next) break;
    now += *next;
  }
  EXPECT_EQ(attempts, 16);
  EXPECT_EQ(now, at + 86400s);
}

}  // namespace
}  // namespace authd::events
