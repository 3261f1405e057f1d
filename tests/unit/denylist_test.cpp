#include "tokens/denylist.hpp"

#include <gtest/gtest.h>

#include <atomic>
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
