#include "verify/l1_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace authd::verify {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point kT0{};  // tests pass time explicitly; steady_clock's epoch is fine
const Clock::time_point kFar = kT0 + 1h;

// A value with heap storage, so ASan sees use-after-free if the cache hands out dangling copies.
struct Principal {
  std::string userId;
  std::vector<std::string> scopes;
};

// A stored value is returned by copy; an absent key misses.
TEST(L1CacheTest, HitAndMiss) {
  L1Cache<std::string> c(100);
  EXPECT_FALSE(c.get("a", kT0));
  c.put("a", "alpha", kFar);
  EXPECT_EQ(c.get("a", kT0), "alpha");
  EXPECT_FALSE(c.get("b", kT0));
  EXPECT_EQ(c.size(), 1u);
}

// put on an existing key replaces value and deadline without growing.
TEST(L1CacheTest, PutReplaces) {
  L1Cache<int> c(100);
  c.put("k", 1, kT0 + 1s);
  c.put("k", 2, kT0 + 10s);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.get("k", kT0 + 5s), 2);
}

// An entry is served strictly before its deadline, then dropped.
TEST(L1CacheTest, ExpiresAtDeadline) {
  L1Cache<int> c(100);
  c.put("k", 7, kT0 + 10s);
  EXPECT_EQ(c.get("k", kT0 + 9s), 7);
  EXPECT_FALSE(c.get("k", kT0 + 10s));
  EXPECT_EQ(c.size(), 0u) << "an expired entry should be removed when seen";
  EXPECT_FALSE(c.get("k", kT0));  // gone for good, even if the caller's clock goes back
}

// erase removes one entry and says whether it was there (revocation).
TEST(L1CacheTest, Erase) {
  L1Cache<int> c(100);
  c.put("a", 1, kFar);
  c.put("b", 2, kFar);
  EXPECT_TRUE(c.erase("a"));
  EXPECT_FALSE(c.erase("a"));
  EXPECT_FALSE(c.get("a", kT0));
  EXPECT_EQ(c.get("b", kT0), 2);
  EXPECT_EQ(c.size(), 1u);
}

// clear empties every shard and the cache keeps working afterwards.
TEST(L1CacheTest, Clear) {
  L1Cache<int> c(1000);
  for (int i = 0; i < 500; ++i) c.put("k" + std::to_string(i), i, kFar);
  EXPECT_EQ(c.size(), 500u);
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.get("k1", kT0));
  c.put("k1", 1, kFar);
  EXPECT_EQ(c.get("k1", kT0), 1);
}

// The total never exceeds the capacity, however many distinct keys go in.
TEST(L1CacheTest, CapacityBound) {
  for (const size_t cap : {1u, 5u, 16u, 17u, 100u, 1000u}) {
    L1Cache<int> c(cap);
    for (int i = 0; i < 5000; ++i) {
      c.put("key-" + std::to_string(i), i, kFar);
      ASSERT_LE(c.size(), cap);
    }
    EXPECT_GE(c.size(), cap * 9 / 10) << "capacity should be mostly usable, cap=" << cap;
  }
}

// A zero capacity disables caching instead of misbehaving.
TEST(L1CacheTest, ZeroCapacityStoresNothing) {
  L1Cache<int> c(0);
  c.put("a", 1, kFar);
  EXPECT_FALSE(c.get("a", kT0));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.erase("a"));
}

// Within a shard, the least recently used entry is the one evicted.
TEST(L1CacheTest, EvictsLeastRecentlyUsed) {
  L1Cache<int> c(3, 1);  // one shard, so eviction order is observable
  c.put("a", 1, kFar);
  c.put("b", 2, kFar);
  c.put("c", 3, kFar);
  EXPECT_EQ(c.get("a", kT0), 1);  // a is now the most recent; b the least
  c.put("d", 4, kFar);
  EXPECT_FALSE(c.get("b", kT0));
  EXPECT_EQ(c.get("a", kT0), 1);
  EXPECT_EQ(c.get("c", kT0), 3);
  EXPECT_EQ(c.get("d", kT0), 4);
  c.put("c", 30, kFar);  // replacing refreshes recency too: a is now the least
  c.put("e", 5, kFar);
  EXPECT_FALSE(c.get("a", kT0));
  EXPECT_EQ(c.get("c", kT0), 30);
}

// Values with heap storage are copied out intact and survive the entry's eviction.
TEST(L1CacheTest, CopiesComplexValues) {
  L1Cache<Principal> c(1, 1);
  c.put("k", Principal{"user-1", {"read", "write"}}, kFar);
  const auto p = c.get("k", kT0);
  c.put("other", Principal{"user-2", {}}, kFar);  // evicts "k"
  ASSERT_TRUE(p);
  EXPECT_EQ(p->userId, "user-1");
  EXPECT_EQ(p->scopes, (std::vector<std::string>{"read", "write"}));
  EXPECT_FALSE(c.get("k", kT0));
}

// Four threads hammering overlapping keys keep the size bound, never crash and never return a foreign value.
TEST(L1CacheTest, ConcurrentPutGetEraseIsSafe) {
  constexpr size_t kCapacity = 64;
  constexpr int kKeys = 200;  // more keys than capacity, so eviction runs constantly
  L1Cache<Principal> c(kCapacity, 8);
  std::atomic<bool> stop{false};
  std::atomic<bool> boundBroken{false};
  std::atomic<bool> wrongValue{false};
  std::atomic<long> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      unsigned x = 2463534242u + static_cast<unsigned>(t);
      while (!stop.load(std::memory_order_relaxed)) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        const int k = static_cast<int>(x % kKeys);
        const std::string key = "key-" + std::to_string(k);
        // Deadlines straddle `now` so expiry-on-get races with puts as well.
        const auto now = kT0 + std::chrono::milliseconds(x % 100);
        switch ((x >> 8) % 8) {
          case 0: c.erase(key); break;
          case 1:
            if ((x >> 12) % 64 == 0) c.clear();
            break;
          case 2:
          case 3:
          case 4:
            c.put(key, Principal{"user-" + std::to_string(k), {"s" + std::to_string(k)}},
                  kT0 + std::chrono::milliseconds(50 + (x >> 16) % 100));
            break;
          default:
            if (const auto p = c.get(key, now)) {
              hits.fetch_add(1, std::memory_order_relaxed);
              if (p->userId != "user-" + std::to_string(k) || p->scopes.size() != 1) wrongValue = true;
            }
        }
        if (c.size() > kCapacity) boundBroken = true;
      }
    });
  }
  std::this_thread::sleep_for(100ms);
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_FALSE(boundBroken);
  EXPECT_FALSE(wrongValue);
  EXPECT_LE(c.size(), kCapacity);
  EXPECT_GT(hits.load(), 0) << "the workload should produce some hits";
}

}  // namespace
}  // namespace authd::verify
