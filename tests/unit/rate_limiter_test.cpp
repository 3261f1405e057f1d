// RateLimiter: fixed windows aligned to the wall clock, counted in a shared
// WindowedCounter, and counted locally while that counter is unreachable. Time
// is a FakeClock; nothing sleeps.
#include "verify/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/clock.hpp"
#include "support/fakes/fake_windowed_counter.hpp"

namespace authd::verify {
namespace {

using namespace std::chrono_literals;

class RateLimiterTest : public ::testing::Test {
 protected:
  // 1'800'000'000 is a multiple of every window used here, so each test starts on a boundary.
  FakeClock clock_{SysTime(std::chrono::seconds(1'800'000'000))};
  testing::FakeWindowedCounter counter_{clock_};
  RateLimiter limiter_{counter_, clock_};
};

// Up to the limit is allowed, counting down `remaining`; the next is refused until the window ends.
TEST_F(RateLimiterTest, AllowsTheLimitThenRefuses) {
  const keys::RateLimit limit{3, 10};
  for (int i = 1; i <= 3; ++i) {
    const RateDecision d = limiter_.hit("k", limit);
    EXPECT_TRUE(d.allowed) << "request " << i;
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, 3 - i);
    EXPECT_TRUE(d.shared);
  }
  const RateDecision refused = limiter_.hit("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.resetSeconds, 10);
}

// resetSeconds counts down to the window's end; the next window starts from zero.
TEST_F(RateLimiterTest, WindowsEndOnTheirBoundary) {
  const keys::RateLimit limit{1, 10};
  EXPECT_TRUE(limiter_.hit("k", limit).allowed);
  clock_.advance(7s);
  const RateDecision d = limiter_.hit("k", limit);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.resetSeconds, 3);
  clock_.advance(3s);
  EXPECT_TRUE(limiter_.hit("k", limit).allowed);
}

// Windows are aligned to the wall clock (not to a key's first request), so every instance counts into the same
// window; each is kept a second past its end for instances whose clocks differ slightly.
TEST_F(RateLimiterTest, WindowsAreAlignedAndSharedByName) {
  clock_.advance(9s);
  const keys::RateLimit limit{1, 10};
  const RateDecision d = limiter_.hit("k", limit);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.resetSeconds, 1);
  EXPECT_EQ(counter_.lastWindow, 11s);
  clock_.advance(1s);
  EXPECT_TRUE(limiter_.hit("k", limit).allowed);  // a new window, though the first request was 1 s ago
}

// Keys are counted apart.
TEST_F(RateLimiterTest, KeysAreCountedApart) {
  const keys::RateLimit limit{1, 60};
  EXPECT_TRUE(limiter_.hit("a", limit).allowed);
  EXPECT_TRUE(limiter_.hit("b", limit).allowed);
  EXPECT_FALSE(limiter_.hit("a", limit).allowed);
}

// A limit of 0 (or a window of 0) means unlimited: no counting at all, no headers.
TEST_F(RateLimiterTest, UnlimitedDoesNoIo) {
  for (const keys::RateLimit limit : {keys::RateLimit{0, 60}, keys::RateLimit{5, 0}}) {
    const RateDecision d = limiter_.hit("k", limit);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.limit, 0);
  }
  EXPECT_EQ(counter_.calls, 0);
}

// With the shared counter down, each instance still enforces the limit on its own, in the same windows.
TEST_F(RateLimiterTest, CountsLocallyWhileTheCounterIsDown) {
  counter_.down = true;
  const keys::RateLimit limit{2, 10};
  RateDecision d = limiter_.hit("k", limit);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.shared);
  EXPECT_EQ(d.remaining, 1);
  EXPECT_TRUE(limiter_.hit("k", limit).allowed);
  EXPECT_FALSE(limiter_.hit("k", limit).allowed);
  EXPECT_EQ(limiter_.localDecisions(), 3u);
  clock_.advance(10s);
  EXPECT_TRUE(limiter_.hit("k", limit).allowed);
  // Back up: counting is shared again.
  counter_.down = false;
  d = limiter_.hit("k", limit);
  EXPECT_TRUE(d.shared);
}

}  // namespace
}  // namespace authd::verify
