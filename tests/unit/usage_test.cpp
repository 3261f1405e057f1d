// UsageTracker against an in-memory queue and sink: coalescing per key and
// minute, the bound (retries included), recording from many threads while
// pushing, a failed push retried first with the same tokens, chunking, and
// the flush with its retention prune schedule.
#include "verify/usage.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "support/fakes/fake_usage.hpp"

namespace authd::verify {
namespace {

using namespace std::chrono_literals;
using testing::FakeUsageQueue;
using testing::FakeUsageSink;
using Mode = FakeUsageQueue::Mode;

constexpr int64_t kMinuteMs = 1'800'000'040'000;  // 40 s into a minute
const int64_t kMinute = usageMinute(kMinuteMs);

OutcomeCounts counts(std::initializer_list<std::pair<Outcome, int64_t>> c) {
  OutcomeCounts out{};
  for (auto [o, n] : c) out[static_cast<size_t>(o)] = n;
  return out;
}

class UsageTrackerTest : public ::testing::Test {
 protected:
  UsageTracker make(UsageOptions o = {}) { return UsageTracker(queue_, sink_, clock_, o); }
  FakeUsageQueue queue_;
  FakeUsageSink sink_;
  FakeClock clock_;
};

// Minutes are UTC minute starts in unix seconds: the last ms of a minute and the first of the next differ.
TEST(UsageMinuteTest, FloorsToTheMinute) {
  EXPECT_EQ(usageMinute(0), 0);
  EXPECT_EQ(usageMinute(59'999), 0);
  EXPECT_EQ(usageMinute(60'000), 60);
  EXPECT_EQ(usageMinute(119'999), 60);
  EXPECT_EQ(usageMinute(-1), -60);
  EXPECT_EQ(usageMinute(kMinuteMs) % 60, 0);
  EXPECT_EQ(usageMinute(kMinuteMs), (kMinuteMs / 60'000) * 60);
}

// Answers for one key in one minute become one row with a count per outcome; another minute is another row.
TEST_F(UsageTrackerTest, CoalescesPerKeyAndMinute) {
  auto t = make();
  t.record("k1", kMinuteMs, Outcome::kValid);
  t.record("k1", kMinuteMs + 1000, Outcome::kValid);
  t.record("k1", kMinuteMs + 19'999, Outcome::kRateLimited);  // the minute's last ms
  t.record("k1", kMinuteMs + 20'000, Outcome::kValid);        // the next minute
  t.record("k2", kMinuteMs, Outcome::kRevoked);
  EXPECT_EQ(t.pending(), 3u);
  EXPECT_EQ(t.rowsRecorded(), 3u);
  ASSERT_TRUE(t.push());
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.rowsPushed(), 3u);
  const auto q = queue_.queued();
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.at({"k1", kMinute}), counts({{Outcome::kValid, 2}, {Outcome::kRateLimited, 1}}));
  EXPECT_EQ(q.at({"k1", kMinute + 60}), counts({{Outcome::kValid, 1}}));
  EXPECT_EQ(q.at({"k2", kMinute}), counts({{Outcome::kRevoked, 1}}));
  // Nothing new: nothing pushed.
  const int pushes = queue_.pushes();
  ASSERT_TRUE(t.push());
  EXPECT_EQ(queue_.pushes(), pushes);
}

// Beyond maxPending rows, answers of new rows are dropped and counted; existing rows keep counting.
TEST_F(UsageTrackerTest, BoundDropsNewRowsOnly) {
  auto t = make({.maxPending = 2});
  t.record("a", kMinuteMs, Outcome::kValid);
  t.record("b", kMinuteMs, Outcome::kValid);
  t.record("c", kMinuteMs, Outcome::kValid);
  t.record("a", kMinuteMs, Outcome::kExpired);
  EXPECT_EQ(t.pending(), 2u);
  EXPECT_EQ(t.dropped(), 1u);
  ASSERT_TRUE(t.push());
  const auto q = queue_.queued();
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.at({"a", kMinute}), counts({{Outcome::kValid, 1}, {Outcome::kExpired, 1}}));
  EXPECT_FALSE(q.contains({"c", kMinute}));
  // Pushed rows free their room.
  t.record("c", kMinuteMs, Outcome::kValid);
  EXPECT_EQ(t.dropped(), 1u);
  EXPECT_EQ(t.pending(), 1u);
}

// Rows waiting for a retry count against the bound.
TEST_F(UsageTrackerTest, BoundCountsRowsWaitingForARetry) {
  auto t = make({.maxPending = 2});
  queue_.setMode(Mode::kFail);
  t.record("a", kMinuteMs, Outcome::kValid);
  t.record("b", kMinuteMs, Outcome::kValid);
  EXPECT_FALSE(t.push());
  EXPECT_EQ(t.pending(), 2u);
  t.record("a", kMinuteMs, Outcome::kValid);  // a new in-memory row: its old one waits in a failed chunk
  EXPECT_EQ(t.dropped(), 1u);
  queue_.setMode(Mode::kOk);
  ASSERT_TRUE(t.push());
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(queue_.queued().at({"a", kMinute}), counts({{Outcome::kValid, 1}}));
}

// A push whose reply was lost (the queue took it) is retried with the same token, so it counts once; while it
// waits, new answers stay in memory and go out after it, in a chunk of their own.
TEST_F(UsageTrackerTest, FailedPushIsRetriedFirstWithTheSameToken) {
  auto t = make();
  t.record("k", kMinuteMs, Outcome::kValid);
  queue_.setMode(Mode::kApplyThenFail);
  EXPECT_FALSE(t.push());
  EXPECT_EQ(t.pushFailures(), 1u);
  EXPECT_EQ(t.pending(), 1u);
  const auto first = queue_.pushedTokens();
  ASSERT_EQ(first.size(), 1u);

  queue_.setMode(Mode::kFail);
  t.record("k", kMinuteMs, Outcome::kValid);
  t.record("k", kMinuteMs, Outcome::kValid);
  EXPECT_FALSE(t.push());  // the retry fails: the new answers are not drained
  EXPECT_EQ(t.pending(), 2u);
  auto tokens = queue_.pushedTokens();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1], first[0]);

  queue_.setMode(Mode::kOk);
  ASSERT_TRUE(t.push());
  tokens = queue_.pushedTokens();
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[2], first[0]) << "the failed chunk goes first, with its token";
  EXPECT_NE(tokens[3], first[0]);
  EXPECT_EQ(queue_.queued().at({"k", kMinute}), counts({{Outcome::kValid, 3}})) << "counted once each";
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.rowsPushed(), 2u);
}

// Rows go out in chunks of rowsPerChunk, each with its own token.
TEST_F(UsageTrackerTest, PushSplitsIntoChunksWithDistinctTokens) {
  auto t = make({.rowsPerChunk = 10});
  for (int i = 0; i < 25; ++i) t.record("k" + std::to_string(i), kMinuteMs, Outcome::kValid);
  ASSERT_TRUE(t.push());
  const auto tokens = queue_.pushedTokens();
  EXPECT_EQ(tokens.size(), 3u);
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), tokens.size());
  EXPECT_EQ(queue_.queued().size(), 25u);
}

// Eight threads record while another pushes over and over: every answer arrives exactly once.
TEST_F(UsageTrackerTest, ManyThreadsRecordWhilePushing) {
  auto t = make({.rowsPerChunk = 7});
  constexpr int kThreads = 8, kPerThread = 20'000, kKeys = 10;
  std::atomic<bool> done{false};
  std::thread pusher([&] {
    while (!done.load()) EXPECT_TRUE(t.push());
  });
  std::vector<std::thread> threads;
  for (int n = 0; n < kThreads; ++n) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        t.record("k" + std::to_string(i % kKeys), kMinuteMs, i % 2 == 0 ? Outcome::kValid : Outcome::kOther);
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  pusher.join();
  ASSERT_TRUE(t.push());
  EXPECT_EQ(t.pending(), 0u);
  int64_t valid = 0, other = 0;
  for (const auto& [k, c] : queue_.queued()) {
    valid += c[static_cast<size_t>(Outcome::kValid)];
    other += c[static_cast<size_t>(Outcome::kOther)];
  }
  EXPECT_EQ(valid, int64_t{kThreads} * kPerThread / 2);
  EXPECT_EQ(other, int64_t{kThreads} * kPerThread / 2);
  EXPECT_EQ(queue_.queued().size(), static_cast<size_t>(kKeys));
}

// Two trackers recorded into from the same threads keep their counts apart.
TEST_F(UsageTrackerTest, TrackersDoNotShareShards) {
  FakeUsageQueue otherQueue;
  auto a = make();
  UsageTracker b(otherQueue, sink_, clock_);
  for (int i = 0; i < 3; ++i) {
    a.record("k", kMinuteMs, Outcome::kValid);
    b.record("k", kMinuteMs, Outcome::kDisabled);
  }
  ASSERT_TRUE(a.push());
  ASSERT_TRUE(b.push());
  EXPECT_EQ(queue_.queued().at({"k", kMinute}), counts({{Outcome::kValid, 3}}));
  EXPECT_EQ(otherQueue.queued().at({"k", kMinute}), counts({{Outcome::kDisabled, 3}}));
}

// A flush moves the queue into the sink (counted); the prune runs on the first flush with cutoffs of the
// retention and of a day, then not again before pruneEvery, and a failed prune is retried at the next flush.
TEST_F(UsageTrackerTest, FlushWritesAndPrunesOnSchedule) {
  auto t = make({.retentionDays = 30, .pruneEvery = 1h});
  t.record("k", kMinuteMs, Outcome::kValid);
  ASSERT_TRUE(t.push());
  ASSERT_TRUE(t.flush());
  EXPECT_EQ(sink_.table().at({"k", kMinute}), counts({{Outcome::kValid, 1}}));
  EXPECT_EQ(t.rowsFlushed(), 1u);
  EXPECT_EQ(t.flushChunks(), 1u);
  const int64_t now = toUnixSeconds(clock_.now());
  ASSERT_EQ(sink_.prunes().size(), 1u);
  EXPECT_EQ(sink_.prunes()[0], std::make_pair(now - 30 * 86'400, now - 86'400));
  EXPECT_EQ(t.pruneRuns(), 1u);

  clock_.advance(59min);
  ASSERT_TRUE(t.flush());
  EXPECT_EQ(sink_.prunes().size(), 1u);
  clock_.advance(1min);
  sink_.setPruneFailing(true);
  EXPECT_FALSE(t.flush());
  EXPECT_EQ(sink_.prunes().size(), 2u);
  EXPECT_EQ(t.pruneRuns(), 1u);
  sink_.setPruneFailing(false);
  ASSERT_TRUE(t.flush());
  EXPECT_EQ(sink_.prunes().size(), 3u);
  EXPECT_EQ(t.pruneRuns(), 2u);
}

// The sink down: the flush fails, the counts stay queued, and arrive with the next flush.
TEST_F(UsageTrackerTest, FlushFailureLeavesCountsQueued) {
  auto t = make();
  t.record("k", kMinuteMs, Outcome::kUsageExceeded);
  ASSERT_TRUE(t.push());
  sink_.setFailing(true);
  EXPECT_FALSE(t.flush());
  EXPECT_EQ(t.flushFailures(), 1u);
  EXPECT_EQ(queue_.queued().size(), 1u);
  sink_.setFailing(false);
  ASSERT_TRUE(t.flush());
  EXPECT_EQ(sink_.table().at({"k", kMinute}), counts({{Outcome::kUsageExceeded, 1}}));
  EXPECT_TRUE(queue_.queued().empty());
}

}  // namespace
}  // namespace authd::verify
