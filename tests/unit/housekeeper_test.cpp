// The housekeeper's schedule, with a FakeClock and fake stores: both jobs at the
// first tick, then the scan every scanEvery and the prune every pruneEvery;
// a prune stopped at its bound goes on at the next tick; failures are counted
// and retried at the next interval, not at once; the prune's cutoff is the
// retention before now; the thread runs and stops promptly.
#include "events/housekeeper.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "support/eventually.hpp"

namespace authd::events {
namespace {

using namespace std::chrono_literals;

class FakePruner final : public AuditPruner {
 public:
  Result<PruneResult> pruneEvents(SysTime before) override {
    cutoffs.push_back(before);
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    return PruneResult{rows, more, false};
  }
  std::vector<SysTime> cutoffs;
  std::atomic<int> calls{0};
  bool down = false;
  uint64_t rows = 0;
  bool more = false;
};

class FakeScanner final : public ExpiryScanner {
 public:
  Result<ExpiryCounts> scanExpiries(SysTime now) override {
    seen.push_back(now);
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    return counts;
  }
  std::vector<SysTime> seen;
  std::atomic<int> calls{0};
  bool down = false;
  ExpiryCounts counts;
};

class HousekeeperTest : public ::testing::Test {
 protected:
  HousekeeperOptions options() const { return {.retentionDays = 30, .pruneEvery = 1h, .scanEvery = 1min}; }
  FakeClock clock_;
  FakePruner pruner_;
  FakeScanner scanner_;
};

// The first tick runs both; nothing again before an interval has passed.
TEST_F(HousekeeperTest, FirstTickRunsBothThenWaits) {
  Housekeeper h(pruner_, scanner_, clock_, options());
  EXPECT_EQ(h.untilDue(), 0ms);
  const auto first = h.tick();
  EXPECT_TRUE(first.pruned);
  EXPECT_TRUE(first.scanned);
  clock_.advance(59s);
  const auto second = h.tick();
  EXPECT_FALSE(second.pruned);
  EXPECT_FALSE(second.scanned);
  EXPECT_EQ(h.untilDue(), 1s);
  EXPECT_EQ(pruner_.calls.load(), 1);
  EXPECT_EQ(scanner_.calls.load(), 1);
}

// Over two hours: a scan each minute (121 in all), a prune each hour (3).
TEST_F(HousekeeperTest, ScansEveryIntervalAndPrunesHourly) {
  Housekeeper h(pruner_, scanner_, clock_, options());
  for (int minute = 0; minute <= 120; ++minute) {
    h.tick();
    clock_.advance(1min);
  }
  EXPECT_EQ(scanner_.calls.load(), 121);
  EXPECT_EQ(pruner_.calls.load(), 3);
  EXPECT_EQ(h.scanRuns(), 121u);
  EXPECT_EQ(h.pruneRuns(), 3u);
}

// The cutoff is retentionDays before the wall clock's now; the scan is given the wall clock's now.
TEST_F(HousekeeperTest, PrunesBeforeTheRetentionAndScansAtNow) {
  Housekeeper h(pruner_, scanner_, clock_, options());
  h.tick();
  ASSERT_EQ(pruner_.cutoffs.size(), 1u);
  EXPECT_EQ(clock_.now() - pruner_.cutoffs[0], std::chrono::days(30));
  ASSERT_EQ(scanner_.seen.size(), 1u);
  EXPECT_EQ(scanner_.seen[0], clock_.now());
}

// A prune that stopped at its bound runs again at the next tick, until it catches up; then hourly again.
TEST_F(HousekeeperTest, APruneStoppedAtItsBoundGoesOnAtTheNextTick) {
  Housekeeper h(pruner_, scanner_, clock_, options());
  pruner_.rows = 200'000;
  pruner_.more = true;
  h.tick();
  clock_.advance(1s);
  EXPECT_TRUE(h.tick().pruned);
  pruner_.rows = 5;
  pruner_.more = false;
  clock_.advance(1s);
  EXPECT_TRUE(h.tick().pruned);
  clock_.advance(1s);
  EXPECT_FALSE(h.tick().pruned);
  EXPECT_EQ(h.prunedRows(), 400'005u);
}

// A failing store is counted and tried again at the next interval, not at every tick.
TEST_F(HousekeeperTest, FailuresAreCountedAndRetriedNextInterval) {
  Housekeeper h(pruner_, scanner_, clock_, options());
  pruner_.down = true;
  scanner_.down = true;
  h.tick();
  clock_.advance(30s);
  h.tick();
  EXPECT_EQ(h.pruneFailures(), 1u);
  EXPECT_EQ(h.scanFailures(), 1u);
  scanner_.down = false;
  clock_.advance(30s);
  EXPECT_TRUE(h.tick().scanned);
  EXPECT_EQ(h.scanFailures(), 1u);
  EXPECT_EQ(scanner_.calls.load(), 2);
  EXPECT_EQ(pruner_.calls.load(), 1);
}

// Notices written add up per threshold.
TEST_F(HousekeeperTest, CountsNoticesByThreshold) {
  Housekeeper h(pruner_, scanner_, clock_, options());
  scanner_.counts.written = {3, 2, 1};
  h.tick();
  clock_.advance(1min);
  h.tick();
  EXPECT_EQ(h.notices(ExpiryThreshold::kSevenDays), 6u);
  EXPECT_EQ(h.notices(ExpiryThreshold::kOneDay), 4u);
  EXPECT_EQ(h.notices(ExpiryThreshold::kExpired), 2u);
}

// The thread ticks as soon as it starts, and stop() returns promptly even though the next run is an hour away.
TEST(HousekeeperThread, RunsAtStartAndStopsPromptly) {
  SystemClock clock;
  FakePruner pruner;
  FakeScanner scanner;
  Housekeeper h(pruner, scanner, clock, {.pruneEvery = 1h, .scanEvery = 1h, .maxSleep = 1h});
  h.start();
  ASSERT_TRUE(testing::eventually([&] { return scanner.calls.load() == 1 && pruner.calls.load() == 1; }, 2s));
  const auto t0 = std::chrono::steady_clock::now();
  h.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  h.stop();  // idempotent
  EXPECT_EQ(scanner.calls.load(), 1);
}

}  // namespace
}  // namespace authd::events
