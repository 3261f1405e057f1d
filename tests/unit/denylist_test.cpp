#include "tokens/denylist.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace authd::tokens {
namespace {

constexpr int64_t kNow = 1'800'000'000;

// A denied jti is denied until (not including) its expiry; unknown jtis are not.
TEST(DenylistTest, ContainsUntilExpiry) {
  Denylist d;
  d.add("jti-1", kNow + 60);
  EXPECT_TRUE(d.contains("jti-1", kNow));
  EXPECT_TRUE(d.contains("jti-1", kNow + 59));
  EXPECT_FALSE(d.contains("jti-1", kNow + 60));
  EXPECT_FALSE(d.contains("jti-2", kNow));
  EXPECT_FALSE(d.contains("", kNow));
}

// Adding the same jti again keeps the later expiry, never shortens it.
TEST(DenylistTest, AddKeepsLaterExpiry) {
  Denylist d;
  d.add("jti-1", kNow + 60);
  d.add("jti-1", kNow + 10);
  EXPECT_TRUE(d.contains("jti-1", kNow + 30));
  d.add("jti-1", kNow + 120);
  EXPECT_TRUE(d.contains("jti-1", kNow + 100));
  EXPECT_EQ(d.size(), 1u);
}

// Prune drops only the entries whose tokens have expired anyway.
TEST(DenylistTest, PruneDropsExpiredOnly) {
  Denylist d;
  d.add("old", kNow - 1);
  d.add("edge", kNow);
  d.add("live", kNow + 1);
  d.prune(kNow);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_TRUE(d.contains("live", kNow));
  d.prune(kNow + 1);
  EXPECT_EQ(d.size(), 0u);
}

// The invalidation bus feeds revocations in; other kinds of change are ignored; repeats are harmless.
TEST(DenylistTest, OnChangeAddsRevocationsOnly) {
  Denylist d;
  d.onChange(Change{ChangeKind::kAccessTokenRevoked, "jti-1", kNow + 60});
  d.onChange(Change{ChangeKind::kAccessTokenRevoked, "jti-1", kNow + 60});
  d.onChange(Change{ChangeKind::kUserChanged, "jti-2", kNow + 60});
  d.onChange(Change{ChangeKind::kKeyChanged, "jti-3", kNow + 60});
  EXPECT_TRUE(d.contains("jti-1", kNow));
  EXPECT_FALSE(d.contains("jti-2", kNow));
  EXPECT_FALSE(d.contains("jti-3", kNow));
  EXPECT_EQ(d.size(), 1u);
}

// A revoked session denies by sid until its end; jtis and sids are separate namespaces; an empty sid (a token
// without one) is never denied.
TEST(DenylistTest, SessionsDeniedUntilTheirEnd) {
  Denylist d;
  d.addSession("sid-1", kNow + 60);
  d.addSession("", kNow + 60);
  EXPECT_TRUE(d.containsSession("sid-1", kNow + 59));
  EXPECT_FALSE(d.containsSession("sid-1", kNow + 60));
  EXPECT_FALSE(d.contains("sid-1", kNow));
  EXPECT_FALSE(d.containsSession("", kNow));
  EXPECT_FALSE(d.containsSession("sid-2", kNow));
  d.addSession("sid-1", kNow + 10);  // never shortened
  EXPECT_TRUE(d.containsSession("sid-1", kNow + 30));
  EXPECT_EQ(d.sessions(), 1u);
  EXPECT_EQ(d.tokens(), 0u);
  EXPECT_EQ(d.size(), 1u);
}

// The bus feeds session revocations in too; prune drops lapsed sessions like lapsed jtis.
TEST(DenylistTest, OnChangeAddsSessionsAndPruneDropsThem) {
  Denylist d;
  d.onChange(Change{ChangeKind::kSessionRevoked, "sid-1", kNow + 60});
  d.onChange(Change{ChangeKind::kSessionRevoked, "sid-2", kNow + 120});
  d.onChange(Change{ChangeKind::kAccessTokenRevoked, "jti-1", kNow + 60});
  EXPECT_TRUE(d.containsSession("sid-1", kNow));
  EXPECT_EQ(d.size(), 3u);
  d.prune(kNow + 60);
  EXPECT_FALSE(d.containsSession("sid-1", kNow));
  EXPECT_TRUE(d.containsSession("sid-2", kNow + 60));
  EXPECT_EQ(d.size(), 1u);
}

// A session's denial outlives every access token it issued before its revocation, with the margin; it saturates
// instead of overflowing.
TEST(DenylistTest, SessionDenialEnd) {
  EXPECT_EQ(sessionDenialEnd(kNow, std::chrono::seconds(900)), kNow + 900 + kSessionDenialMargin.count());
  EXPECT_EQ(sessionDenialEnd(INT64_MAX - 10, std::chrono::seconds(900)), INT64_MAX);
}

// The denylist's store: counts prunes, can fail.
class FakeDenialStore final : public DenialStore {
 public:
  Result<size_t> pruneExpired() override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    return rowsPerPrune;
  }
  int calls = 0;
  bool down = false;
  size_t rowsPerPrune = 0;
};

// The pruner prunes on the first tick and then once per interval of the injected clock, memory and store alike.
TEST(DenylistPrunerTest, PrunesOncePerIntervalOfTheClock) {
  Denylist d;
  FakeDenialStore store;
  store.rowsPerPrune = 3;
  FakeClock clock;
  DenylistPruner pruner(d, store, clock, std::chrono::seconds(60));
  const int64_t t0 = toUnixSeconds(clock.now());
  d.add("lapsed", t0);
  d.add("live", t0 + 90);
  EXPECT_TRUE(pruner.tick());
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(store.calls, 1);
  clock.advance(std::chrono::seconds(59));
  EXPECT_FALSE(pruner.tick());
  EXPECT_EQ(store.calls, 1);
  clock.advance(std::chrono::seconds(1));
  EXPECT_TRUE(pruner.tick());
  EXPECT_EQ(store.calls, 2);
  EXPECT_TRUE(d.contains("live", t0 + 60));
  clock.advance(std::chrono::seconds(60));
  EXPECT_TRUE(pruner.tick());
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(pruner.runs(), 3u);
  EXPECT_EQ(pruner.storeRowsPruned(), 9u);
}

// The bound: with a steady stream of logouts (tokens living `lifetime`), the denylist never holds more than what
// was denied within lifetime + one interval, however long it runs; without the pruner it would grow without end.
TEST(DenylistPrunerTest, SizeStaysBoundedUnderSteadyLogouts) {
  Denylist d;
  FakeDenialStore store;
  FakeClock clock;
  constexpr int64_t kLifetime = 900;  // seconds
  constexpr int64_t kInterval = 60;
  constexpr int kPerSecond = 5;
  DenylistPruner pruner(d, store, clock, std::chrono::seconds(kInterval));
  constexpr size_t kBound = kPerSecond * (kLifetime + kInterval);
  size_t peak = 0;
  for (int64_t second = 0; second < 6 * 3600; ++second) {
    const int64_t now = toUnixSeconds(clock.now());
    for (int i = 0; i < kPerSecond; ++i) {
      // Half logouts of one token, half of a whole session.
      if (i % 2 == 0) d.add("jti-" + std::to_string(second) + "-" + std::to_string(i), now + kLifetime);
      else d.addSession("sid-" + std::to_string(second) + "-" + std::to_string(i), now + kLifetime);
    }
    pruner.tick();
    peak = std::max(peak, d.size());
    ASSERT_LE(d.size(), kBound) << "after " << second << " s";
    clock.advance(std::chrono::seconds(1));
  }
  EXPECT_GE(peak, static_cast<size_t>(kPerSecond * kLifetime));  // it did fill up to a lifetime's worth
  EXPECT_EQ(pruner.runs(), static_cast<uint64_t>(6 * 3600 / kInterval));
  EXPECT_EQ(store.calls, 6 * 3600 / kInterval);
}

// A store outage does not stop the memory prune, is counted, and the next interval tries the store again.
TEST(DenylistPrunerTest, StoreFailureStillPrunesMemory) {
  Denylist d;
  FakeDenialStore store;
  store.down = true;
  FakeClock clock;
  DenylistPruner pruner(d, store, clock, std::chrono::seconds(60));
  d.add("lapsed", toUnixSeconds(clock.now()) - 1);
  EXPECT_TRUE(pruner.tick());
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(pruner.storeFailures(), 1u);
  store.down = false;
  clock.advance(std::chrono::seconds(60));
  EXPECT_TRUE(pruner.tick());
  EXPECT_EQ(store.calls, 2);
  EXPECT_EQ(pruner.storeFailures(), 1u);
}

// The thread runs the schedule: started, it prunes (the first tick) without anyone calling tick(); stop() joins.
TEST(DenylistPrunerTest, ThreadTicks) {
  Denylist d;
  FakeDenialStore store;
  FakeClock clock;
  DenylistPruner pruner(d, store, clock, std::chrono::seconds(60));
  d.add("lapsed", toUnixSeconds(clock.now()) - 1);
  pruner.start(std::chrono::milliseconds(5));
  for (int i = 0; i < 400 && pruner.runs() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  pruner.stop();
  EXPECT_EQ(pruner.runs(), 1u);  // the fake clock never moved: one interval, one prune
  EXPECT_EQ(d.size(), 0u);
}

// Concurrent adds, lookups and prunes are safe, and every add is visible afterwards.
TEST(DenylistTest, ConcurrentAddAndContains) {
  Denylist d;
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 2000;
  std::atomic<bool> done{false};
  std::atomic<int64_t> hits{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&d, w] {
      for (int i = 0; i < kPerWriter; ++i) d.add("jti-" + std::to_string(w) + "-" + std::to_string(i), kNow + 60);
    });
  }
  std::thread reader([&] {
    while (!done.load()) {
      for (int i = 0; i < 100; ++i)
        if (d.contains("jti-0-" + std::to_string(i), kNow)) hits.fetch_add(1);
      d.prune(kNow);
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(d.size(), static_cast<size_t>(kWriters * kPerWriter));
  for (int w = 0; w < kWriters; ++w)
    for (int i = 0; i < kPerWriter; i += 97)
      EXPECT_TRUE(d.contains("jti-" + std::to_string(w) + "-" + std::to_string(i), kNow));
}

}  // namespace
}  // namespace authd::tokens
