// LastUsedBuffer (coalescing, bound, concurrency) and LastUsedTracker (push,
// flush schedule, fallbacks, shutdown) against an in-memory queue and store.
#include "verify/last_used.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "core/clock.hpp"
#include "support/eventually.hpp"
#include "support/fakes/fake_last_used.hpp"

namespace authd::verify {
namespace {

using namespace std::chrono_literals;

std::map<std::string, int64_t> toMap(const std::vector<keys::KeyUse>& uses) {
  std::map<std::string, int64_t> m;
  for (const auto& u : uses) {
    auto [it, inserted] = m.emplace(u.keyId, u.usedAtMs);
    if (!inserted) ADD_FAILURE() << "key " << u.keyId << " drained twice";
  }
  return m;
}

using testing::FakeLastUsedSink;
using testing::FakeQueue;

// Several uses of one key coalesce into one entry holding the latest time, whatever the order.
TEST(LastUsedBufferTest, KeepsTheMaxPerKey) {
  LastUsedBuffer b;
  b.record("a", 100);
  b.record("a", 300);
  b.record("a", 200);
  b.record("b", 5);
  EXPECT_EQ(b.size(), 2u);
  const auto m = toMap(b.drain());
  EXPECT_EQ(m, (std::map<std::string, int64_t>{{"a", 300}, {"b", 5}}));
}

// drain() takes everything once: the buffer is empty after it and records start afresh.
TEST(LastUsedBufferTest, DrainEmpties) {
  LastUsedBuffer b;
  for (int i = 0; i < 100; ++i) b.record("k" + std::to_string(i), i);
  EXPECT_EQ(b.drain().size(), 100u);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_TRUE(b.drain().empty());
  b.record("k1", 1);
  EXPECT_EQ(toMap(b.drain()), (std::map<std::string, int64_t>{{"k1", 1}}));
}

// Past maxKeys new keys are dropped and counted; keys already held still move forward.
TEST(LastUsedBufferTest, BoundedWithDroppedCounter) {
  LastUsedBuffer b(10);
  for (int i = 0; i < 15; ++i) b.record("k" + std::to_string(i), 1);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(b.dropped(), 5u);
  const auto before = toMap(b.drain());
  ASSERT_EQ(before.size(), 10u);

  // Full again, then an update of a held key is not a drop.
  for (int i = 0; i < 10; ++i) b.record("x" + std::to_string(i), 1);
  b.record("x3", 99);
  b.record("new", 1);
  EXPECT_EQ(b.dropped(), 6u);
  const auto after = toMap(b.drain());
  EXPECT_EQ(after.size(), 10u);
  EXPECT_EQ(after.at("x3"), 99);
  EXPECT_FALSE(after.contains("new"));
}

// Four threads recording the same keys at once: every key ends with the overall max, none lost or doubled.
TEST(LastUsedBufferTest, ConcurrentRecordsFromFourThreads) {
  LastUsedBuffer b;
  constexpr int kKeys = 2000;
  constexpr int kRounds = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < kKeys; ++k) b.record("key-" + std::to_string(k), int64_t{r} * 10 + t);
      }
    });
  }
  // A concurrent drainer must not lose anything either.
  std::map<std::string, int64_t> seen;
  std::atomic<bool> done{false};
  std::thread drainer([&] {
    while (!done.load()) {
      for (const auto& u : b.drain()) seen[u.keyId] = std::max(seen[u.keyId], u.usedAtMs);
      std::this_thread::sleep_for(1ms);
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  drainer.join();
  for (const auto& u : b.drain()) seen[u.keyId] = std::max(seen[u.keyId], u.usedAtMs);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kKeys));
  for (const auto& [k, v] : seen) EXPECT_EQ(v, (kRounds - 1) * 10 + 3) << k;
  EXPECT_EQ(b.dropped(), 0u);
  EXPECT_EQ(b.size(), 0u);
}

LastUsedOptions fastPush() {
  LastUsedOptions o;
  o.pushInterval = 20ms;
  o.flushInterval = 1h;
  return o;
}

// A recorded use is in the queue within about one push interval, without any flush.
TEST(LastUsedTrackerTest, RecordsReachTheQueueWithinThePushInterval) {
  FakeQueue queue;
  FakeClock clock;
  FakeLastUsedSink store;
  LastUsedTracker tracker(queue, store, clock, fastPush());
  tracker.start();
  const auto t0 = std::chrono::steady_clock::now();
  tracker.record("k1", 10);
  tracker.record("k1", 20);
  tracker.record("k2", 5);
  ASSERT_TRUE(testing::eventually([&] { return queue.queued().size() == 2; }, 1s, 5ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);  // 20 ms interval, generous for loaded CI
  EXPECT_EQ(queue.queued(), (std::map<std::string, int64_t>{{"k1", 20}, {"k2", 5}}));
  EXPECT_EQ(queue.flushes(), 0);
  EXPECT_EQ(tracker.pending(), 0u);
  tracker.stop();
}

// The queue is flushed once per flush interval, counted from the first step, and the counters report the batches
// and rows written. The test is the clock: it calls tick() itself, with no thread running.
TEST(LastUsedTrackerTest, FlushesOnSchedule) {
  FakeQueue queue;
  FakeClock clock;
  FakeLastUsedSink store;
  LastUsedOptions o;
  o.flushInterval = 100ms;
  o.batchSize = 2;
  LastUsedTracker tracker(queue, store, clock, o);
  for (int i = 0; i < 5; ++i) tracker.record("k" + std::to_string(i), 100 + i);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  tracker.tick(t0);
  EXPECT_EQ(queue.queued().size(), 5u);  // pushed at once
  EXPECT_EQ(queue.flushes(), 0);         // the first flush is one interval away
  tracker.tick(t0 + 99ms);
  EXPECT_EQ(queue.flushes(), 0);
  EXPECT_TRUE(store.rows().empty());
  tracker.tick(t0 + 100ms);
  EXPECT_EQ(queue.flushes(), 1);
  EXPECT_EQ(store.rows().size(), 5u);
  EXPECT_EQ(tracker.flushedRows(), 5u);
  EXPECT_EQ(tracker.flushBatches(), 3u);  // 2 + 2 + 1
  // Ticks every 10 ms up to t0 + 490 ms: flushes at 200, 300 and 400 ms only.
  for (auto t = 110ms; t < 500ms; t += 10ms) tracker.tick(t0 + t);
  EXPECT_EQ(queue.flushes(), 4);
  // A step 3.5 intervals late flushes once, and the schedule restarts from it rather than catching up.
  tracker.tick(t0 + 850ms);
  EXPECT_EQ(queue.flushes(), 5);
  tracker.tick(t0 + 949ms);
  EXPECT_EQ(queue.flushes(), 5);
  tracker.tick(t0 + 950ms);
  EXPECT_EQ(queue.flushes(), 6);
  EXPECT_EQ(tracker.directWrites(), 0u);
}

// When the queue refuses a push, the drained uses go straight to the store.
TEST(LastUsedTrackerTest, PushFailureWritesDirectlyToTheStore) {
  FakeQueue queue;
  FakeClock clock;
  FakeLastUsedSink store;
  queue.setFailing(true);
  LastUsedTracker tracker(queue, store, clock, fastPush());
  tracker.start();
  tracker.record("k1", 7);
  tracker.record("k2", 8);
  ASSERT_TRUE(testing::eventually([&] { return store.rows().size() == 2; }, 1s, 5ms));
  EXPECT_EQ(store.rows(), (std::map<std::string, int64_t>{{"k1", 7}, {"k2", 8}}));
  EXPECT_EQ(tracker.directWrites(), 2u);
  EXPECT_GE(tracker.pushFailures(), 1u);
  EXPECT_TRUE(queue.queued().empty());
  tracker.stop();
}

// Queue and store both down: the uses stay in memory (newer uses merged by max) and arrive once one recovers.
TEST(LastUsedTrackerTest, BothFailingKeepsUsesAndRetries) {
  FakeQueue queue;
  FakeClock clock;
  FakeLastUsedSink store;
  queue.setFailing(true);
  store.setFailing(true);
  LastUsedTracker tracker(queue, store, clock, fastPush());
  tracker.start();
  tracker.record("k1", 10);
  tracker.record("k2", 10);
  ASSERT_TRUE(testing::eventually([&] { return store.calls() >= 3; }, 1s, 5ms));  // retried on several ticks
  EXPECT_EQ(tracker.pending(), 2u);
  tracker.record("k1", 30);
  tracker.record("k1", 20);
  EXPECT_EQ(tracker.directWrites(), 0u);

  store.setFailing(false);
  ASSERT_TRUE(testing::eventually([&] { return store.rows().size() == 2; }, 1s, 5ms));
  EXPECT_EQ(store.rows(), (std::map<std::string, int64_t>{{"k1", 30}, {"k2", 10}}));
  EXPECT_EQ(tracker.pending(), 0u);

  // And the queue takes over again when it is back.
  queue.setFailing(false);
  tracker.record("k3", 1);
  ASSERT_TRUE(testing::eventually([&] { return queue.queued().contains("k3"); }, 1s, 5ms));
  tracker.stop();
}

// stop() pushes what was recorded since the last tick and flushes the queue; a second stop() does nothing.
TEST(LastUsedTrackerTest, StopPushesAndFlushesWhatIsPending) {
  FakeQueue queue;
  FakeClock clock;
  FakeLastUsedSink store;
  LastUsedOptions o;
  o.pushInterval = 1h;
  o.flushInterval = 1h;
  LastUsedTracker tracker(queue, store, clock, o);
  tracker.start();
  tracker.record("k1", 42);
  tracker.record("k2", 43);
  const auto t0 = std::chrono::steady_clock::now();
  tracker.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);  // woken, not waiting out the interval
  EXPECT_EQ(store.rows(), (std::map<std::string, int64_t>{{"k1", 42}, {"k2", 43}}));
  EXPECT_EQ(tracker.flushedRows(), 2u);
  EXPECT_EQ(queue.flushes(), 1);
  tracker.stop();
  EXPECT_EQ(queue.flushes(), 1);
}

// A shutdown with the queue down still saves the uses, directly in the store.
TEST(LastUsedTrackerTest, StopWithQueueDownWritesDirectly) {
  FakeQueue queue;
  FakeClock clock;
  FakeLastUsedSink store;
  queue.setFailing(true);
  LastUsedTracker tracker(queue, store, clock, fastPush());
  tracker.record("k1", 1);
  tracker.stop();  // never started: stop still saves
  EXPECT_EQ(store.rows(), (std::map<std::string, int64_t>{{"k1", 1}}));
  EXPECT_EQ(tracker.directWrites(), 1u);
}

}  // namespace
}  // namespace authd::verify
