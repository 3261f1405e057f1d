// RedisAdmission's script against the test stack's Redis, with explicit times
// (the script takes the time as an argument): the sliding window at a window
// edge, key and user limits together, credits seeding, grant versions,
// refills, costs, and many threads on two connections racing for the last
// credits (store/redis/redis_admission.cpp).
#include "store/redis/redis_admission.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "keys/credits.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

// A multiple of every window here, well in the future so no earlier run's counters collide (ids are fresh too).
constexpr int64_t kStart = 1'900'000'020'000;

class RedisAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();
    pool_ = makeTestRedisPool(4);
    store_ = std::make_unique<store::redis::RedisAdmission>(*pool_);
  }

  verify::AdmissionAnswer admit(const verify::AdmissionQuery& q) {
    auto a = store_->admit(q);
    EXPECT_TRUE(a.has_value()) << (a ? "" : a.error().message);
    return a ? *a : verify::AdmissionAnswer{};
  }
  static verify::AdmissionQuery keyLimited(const std::string& id, int64_t limit, int64_t window, int64_t nowMs) {
    verify::AdmissionQuery q;
    q.nowMs = nowMs;
    q.key = verify::LimitQuery{'k', id, {limit, window}};
    return q;
  }
  std::optional<std::string> field(const std::string& key, const std::string& name) {
    auto lease = pool_->acquire();
    if (!lease) return std::nullopt;
    auto r = lease->command({"HGET", key, name});
    if (!r || !*r || (*r)->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string((*r)->str, (*r)->len);
  }
  std::optional<double> dirtyScore(const std::string& id) {
    auto lease = pool_->acquire();
    if (!lease) return std::nullopt;
    auto r = lease->command({"ZSCORE", store::redis::kCreditsDirtyKey, id});
    if (!r || !*r || (*r)->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::stod((*r)->str);
  }

  std::unique_ptr<store::redis::RedisPool> pool_;
  std::unique_ptr<store::redis::RedisAdmission> store_;
};

// The limit sent just before a window edge and again just after: the second batch is refused (a fixed window would
// admit it all), and the window's counters expire.
TEST_F(RedisAdmissionTest, NoBurstAtTheWindowEdge) {
  const std::string id = crypto::uuidV4();
  int before = 0;
  for (int i = 0; i < 10; ++i) before += admit(keyLimited(id, 10, 60, kStart + 59'000 + i)).admitted();
  EXPECT_EQ(before, 10);
  int after = 0;
  for (int i = 0; i < 10; ++i) after += admit(keyLimited(id, 10, 60, kStart + 60'500 + i)).admitted();
  EXPECT_EQ(after, 0) << "half a second into the next window, the previous one's 10 still weigh 9.9";
  // Later in the window the previous one's weight falls away, one request at a time.
  EXPECT_TRUE(admit(keyLimited(id, 10, 60, kStart + 60'000 + 6'100)).admitted());
  EXPECT_FALSE(admit(keyLimited(id, 10, 60, kStart + 60'000 + 6'200)).admitted());
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease);
  const std::string counter = store::redis::windowKey('k', id, 60, (kStart + 60'000) / 60'000);
  auto ttl = lease->command({"PTTL", counter});
  ASSERT_TRUE(ttl);
  EXPECT_GT((*ttl)->integer, 60'000);
  EXPECT_LE((*ttl)->integer, 121'000);
}

// Key and user limits in one call: the refusing one answers and nothing is counted for the other.
TEST_F(RedisAdmissionTest, KeyAndUserLimitsTogether) {
  const std::string key = crypto::uuidV4(), user = crypto::uuidV4();
  verify::AdmissionQuery q = keyLimited(key, 100, 60, kStart + 1'000);
  q.user = verify::LimitQuery{'u', user, {2, 60}};
  EXPECT_TRUE(admit(q).admitted());
  EXPECT_TRUE(admit(q).admitted());
  const auto refused = admit(q);
  EXPECT_FALSE(refused.admitted());
  EXPECT_TRUE(refused.key.allowed);
  EXPECT_FALSE(refused.user.allowed);
  EXPECT_EQ(refused.user.before.current, 2);
  EXPECT_EQ(refused.key.before.current, 2);
  // The refusal counted nothing: the key's own count is still 2.
  EXPECT_EQ(admit(keyLimited(key, 100, 60, kStart + 1'000)).key.before.current, 2);
}

// Credits: seeded from the grant, spent by cost, never below zero, cost 0 refused at zero, marked dirty.
TEST_F(RedisAdmissionTest, CreditsSeedSpendAndStop) {
  const std::string id = crypto::uuidV4();
  verify::AdmissionQuery q;
  q.nowMs = kStart;
  q.credits = verify::CreditsQuery{id, 3, 5, 100, 0, 0, 0};
  auto a = admit(q);
  EXPECT_TRUE(a.admitted());
  EXPECT_EQ(a.creditsRemaining, 2);
  EXPECT_EQ(field(store::redis::creditsKey(id), "r"), "2");
  EXPECT_EQ(field(store::redis::creditsKey(id), "v"), "100");
  EXPECT_EQ(dirtyScore(id), static_cast<double>(kStart));
  a = admit(q);
  EXPECT_FALSE(a.admitted());
  EXPECT_FALSE(a.creditsAllowed);
  EXPECT_EQ(a.creditsRemaining, 2);
  q.credits->cost = 2;
  EXPECT_EQ(admit(q).creditsRemaining, 0);
  q.credits->cost = 0;
  EXPECT_FALSE(admit(q).admitted());
  EXPECT_EQ(field(store::redis::creditsKey(id), "r"), "0");
}

// A newer grant (version) replaces Redis's copy; an older one does not.
TEST_F(RedisAdmissionTest, NewerGrantReplacesTheCopy) {
  const std::string id = crypto::uuidV4();
  verify::AdmissionQuery q;
  q.nowMs = kStart;
  q.credits = verify::CreditsQuery{id, 1, 10, 100, 0, 0, 0};
  EXPECT_EQ(admit(q).creditsRemaining, 9);
  q.credits->seedRemaining = 1000;
  q.credits->seedVersion = 99;  // a stale KeyInfo: Redis's copy stands
  EXPECT_EQ(admit(q).creditsRemaining, 8);
  q.credits->seedVersion = 200;
  EXPECT_EQ(admit(q).creditsRemaining, 999);
  EXPECT_EQ(field(store::redis::creditsKey(id), "v"), "200");
  q.credits->seedVersion = 100;
  EXPECT_EQ(admit(q).creditsRemaining, 998);
}

// A refill at a period boundary sets remaining to the refill amount and moves the period.
TEST_F(RedisAdmissionTest, RefillAtTheBoundary) {
  const std::string id = crypto::uuidV4();
  const int64_t day = keys::periodStart(keys::RefillInterval::kDay, kStart / 1000);
  verify::AdmissionQuery q;
  q.nowMs = kStart;
  q.credits = verify::CreditsQuery{id, 1, 1, 100, day, 50, day};
  EXPECT_EQ(admit(q).creditsRemaining, 0);
  EXPECT_FALSE(admit(q).admitted());
  const int64_t next = keys::nextPeriodStart(keys::RefillInterval::kDay, kStart / 1000);
  q.nowMs = next * 1000;
  q.credits->periodNow = next;
  EXPECT_EQ(admit(q).creditsRemaining, 49);
  EXPECT_EQ(field(store::redis::creditsKey(id), "p"), std::to_string(next));
}

// Large balances are written as integers (Lua would print 1e+12 with tostring).
TEST_F(RedisAdmissionTest, LargeBalancesStayIntegers) {
  const std::string id = crypto::uuidV4();
  verify::AdmissionQuery q;
  q.nowMs = kStart;
  q.credits = verify::CreditsQuery{id, 0, keys::kMaxCredits, 1, 0, 0, 0};
  EXPECT_EQ(admit(q).creditsRemaining, keys::kMaxCredits);
  EXPECT_EQ(field(store::redis::creditsKey(id), "r"), std::to_string(keys::kMaxCredits));
}

// Credits refused by a limit are not spent; credits refused leave the limit uncounted.
TEST_F(RedisAdmissionTest, LimitsAndCreditsAllOrNothing) {
  const std::string id = crypto::uuidV4();
  verify::AdmissionQuery q = keyLimited(id, 1, 60, kStart + 2'000);
  q.credits = verify::CreditsQuery{id, 1, 0, 100, 0, 0, 0};
  EXPECT_FALSE(admit(q).admitted());          // no credits
  EXPECT_EQ(admit(q).key.before.current, 0);  // and the limit not counted
  q.credits->seedRemaining = 5;
  q.credits->seedVersion = 101;
  EXPECT_TRUE(admit(q).admitted());
  const auto limited = admit(q);
  EXPECT_FALSE(limited.key.allowed);
  EXPECT_EQ(field(store::redis::creditsKey(id), "r"), "4");  // the limited request spent nothing
}

// Many threads on two pools (as two instances would be) race for the last 50 credits: exactly 50 are admitted.
TEST_F(RedisAdmissionTest, RaceForTheLastCredits) {
  const std::string id = crypto::uuidV4();
  auto otherPool = makeTestRedisPool(4);
  store::redis::RedisAdmission other(*otherPool);
  std::atomic<int> admitted{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      verify::AdmissionStore& s = t % 2 == 0 ? static_cast<verify::AdmissionStore&>(*store_) : other;
      for (int i = 0; i < 40; ++i) {
        verify::AdmissionQuery q;
        q.nowMs = kStart + i;
        q.credits = verify::CreditsQuery{id, 1, 50, 100, 0, 0, 0};
        auto a = s.admit(q);
        if (!a) ++failed;
        else if (a->admitted()) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(admitted.load(), 50);
  EXPECT_EQ(field(store::redis::creditsKey(id), "r"), "0");
}

// Redis forgetting the script (SCRIPT FLUSH, a restart): the next call still answers, by EVAL.
TEST_F(RedisAdmissionTest, ReloadsAFlushedScript) {
  const std::string id = crypto::uuidV4();
  EXPECT_TRUE(admit(keyLimited(id, 5, 60, kStart)).admitted());
  {
    auto lease = pool_->acquire();
    ASSERT_TRUE(lease);
    ASSERT_TRUE(lease->command({"SCRIPT", "FLUSH"}));
  }
  EXPECT_EQ(admit(keyLimited(id, 5, 60, kStart)).key.before.current, 1);
}

}  // namespace
}  // namespace authd::testing
