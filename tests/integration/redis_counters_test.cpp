// RedisWindowedCounter against the test stack's Redis: the semantics the login
// throttle and the key rate limits rely on (store/redis/redis_counters.cpp).
#include "store/redis/redis_counters.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/crypto.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;

class RedisCountersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();
    pool_ = makeTestRedisPool(2);
  }
  // A key no other test or run uses.
  static std::string freshKey() { return "authd:test:counter:" + crypto::uuidV4(); }
  int64_t ttlOf(const std::string& key) {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.has_value());
    if (!lease) return -3;
    auto r = lease->command({"TTL", key});
    EXPECT_TRUE(r.has_value());
    return r ? (*r)->integer : -3;
  }

  std::unique_ptr<store::redis::RedisPool> pool_;
};

// Each increment adds one atomically; the window starts at the first and its TTL is not moved by later ones.
TEST_F(RedisCountersTest, IncrementCountsWithinOneWindow) {
  store::redis::RedisWindowedCounter counter(*pool_);
  const std::string key = freshKey();
  for (int64_t i = 1; i <= 3; ++i) {
    auto c = counter.increment(key, 60s);
    ASSERT_TRUE(c.has_value()) << codeName(c.error().code);
    EXPECT_EQ(c->count, i);
    EXPECT_GT(c->resetsInSeconds, 55);
    EXPECT_LE(c->resetsInSeconds, 60);
  }
  const int64_t ttl = ttlOf(key);
  EXPECT_GT(ttl, 0) << "a counter must never live without an expiry";
  EXPECT_LE(ttl, 60);
}

// decrement never goes below zero, never creates a key, and keeps the window's TTL.
TEST_F(RedisCountersTest, DecrementTakesBackWithinBounds) {
  store::redis::RedisWindowedCounter counter(*pool_);
  const std::string key = freshKey();
  ASSERT_TRUE(counter.decrement(key).has_value());
  EXPECT_EQ(ttlOf(key), -2) << "decrement created a key";
  ASSERT_TRUE(counter.increment(key, 60s).has_value());
  ASSERT_TRUE(counter.decrement(key).has_value());
  ASSERT_TRUE(counter.decrement(key).has_value());
  EXPECT_GT(ttlOf(key), 0) << "decrement dropped the window's expiry";
  auto c = counter.increment(key, 60s);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->count, 1) << "the count went below zero";
}

// reset forgets the key: the next increment starts a new window at one.
TEST_F(RedisCountersTest, ResetStartsOver) {
  store::redis::RedisWindowedCounter counter(*pool_);
  const std::string key = freshKey();
  ASSERT_TRUE(counter.increment(key, 60s).has_value());
  ASSERT_TRUE(counter.increment(key, 60s).has_value());
  ASSERT_TRUE(counter.reset(key).has_value());
  EXPECT_EQ(ttlOf(key), -2);
  auto c = counter.increment(key, 5s);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->count, 1);
  EXPECT_LE(c->resetsInSeconds, 5);
}

}  // namespace
}  // namespace authd::testing
