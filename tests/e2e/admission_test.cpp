// Admission end to end, through nginx and both authd instances: the sliding
// window at a real wall-clock edge, a per-user limit shared by two keys and a
// JWT, credits spent by the guard's cost with X-Credits-Remaining upstream and
// 429 usage_exceeded, two instances racing for the last credits, and Redis
// stopped (keys with credits 503, the others still verify). Credits are granted
// straight in PostgreSQL (the key API's `credits` is another change), and only
// where authd reads them back (KeyInfo from PostgreSQL): otherwise those tests
// are skipped, saying why.
#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::optional<long> intHeader(const HttpResult& r, std::string_view name) {
  const std::string v = r.header(name);
  long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size()) return std::nullopt;
  return n;
}

// Sleeps until `at` ms into the current `windowMs`-long wall-clock window (the next one if already past).
void sleepUntilInto(int64_t windowMs, int64_t at) {
  const int64_t into = nowMs() % windowMs;
  std::this_thread::sleep_for(std::chrono::milliseconds(into < at ? at - into : windowMs - into + at));
}

// Grants the key `remaining` credits in PostgreSQL as a PATCH would (a new credits_version), with a daily
// refill of `refill` when > 0. Parameters are the key id only: the numbers are this test's constants.
void grantCredits(const std::string& keyId, int remaining, int refill) {
  const std::string sql =
      "UPDATE api_keys SET credits_remaining = " + std::to_string(remaining) +
      (refill > 0 ? ", credits_refill_amount = " + std::to_string(refill) +
                        ", credits_refill_interval = 'day', credits_period = "
                        "extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC'))::bigint"
                  : std::string(", credits_refill_amount = NULL, credits_refill_interval = NULL, credits_period = 0")) +
      ", credits_version = greatest(credits_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)"
      " WHERE id = $1::uuid";
  ASSERT_EQ(execSql(sql, keyId), 1);
}

// Waits until both instances answer the key with X-Credits-Remaining (they have heard of the grant); false when
// this build does not read credits from PostgreSQL. Spends one credit per instance.
bool creditsSeenEverywhere(const std::string& key) {
  for (const int n : {1, 2}) {
    if (!eventually(
            [&] {
              const auto r = verifyKeyOn(n, key);
              return r && !r->header("x-credits-remaining").empty();
            },
            3s)) {
      return false;
    }
  }
  return true;
}

// The limit sent just before a wall-clock window edge and again just after: the second batch is refused (a fixed
// window would admit it whole), then the window slides and admits again.
TEST(E2eAdmissionTest, SlidingWindowHasNoBurstAtTheEdge) {
  constexpr int kLimit = 5, kWindow = 4;
  const Account a = signup(testEnv().nginxPort, "e2e-adm-edge");
  const Key k = createKnownKey(testEnv().nginxPort, a,
                               {{"name", "edge"}, {"rateLimit", {{"limit", kLimit}, {"windowSeconds", kWindow}}}});
  ASSERT_FALSE(k.key.empty());
  const Headers h{{"x-api-key", k.key}};
  sleepUntilInto(kWindow * 1000, kWindow * 1000 - 700);
  int before = 0;
  for (int i = 0; i < kLimit; ++i) {
    const auto r = get(testEnv().nginxPort, "/protected/service-only", h);
    ASSERT_TRUE(r) << describe(r);
    before += r->status == 200;
  }
  ASSERT_EQ(before, kLimit);
  sleepUntilInto(kWindow * 1000, 50);
  int after = 0;
  for (int i = 0; i < kLimit; ++i) {
    const auto r = get(testEnv().nginxPort, "/protected/service-only", h);
    ASSERT_TRUE(r) << describe(r);
    if (r->status == 200) {
      ++after;
    } else {
      EXPECT_EQ(r->status, 429) << *r;
      EXPECT_EQ(r->json().value("code", ""), "rate_limited") << *r;
    }
  }
  EXPECT_LE(after, 1) << "just after the edge the previous window's " << kLimit << " still count";
  // Most of the previous window has slid out 3.5 s into this one.
  sleepUntilInto(kWindow * 1000, 3'500);
  const auto later = get(testEnv().nginxPort, "/protected/service-only", h);
  ASSERT_TRUE(later) << describe(later);
  EXPECT_EQ(later->status, 200) << *later;
}

// An operator's per-user limit counts the user's two keys and JWT together, on both instances and through nginx.
TEST(E2eAdmissionTest, PerUserLimitIsSharedByKeysAndJwt) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-adm-user");
  ASSERT_FALSE(a.id.empty());
  ASSERT_EQ(execSql("UPDATE users SET rate_limit = 6, rate_window_seconds = 600 WHERE id = $1::uuid", a.id), 1);
  const Key k1 = createKnownKey(port, a, {{"name", "one"}});
  const Key k2 = createKnownKey(port, a, {{"name", "two"}});
  ASSERT_FALSE(k1.key.empty() || k2.key.empty());
  // The override reaches every instance (the users row change evicts their cached status).
  for (const int n : {1, 2}) {
    ASSERT_TRUE(eventually(
        [&] {
          const auto r = verifyOn(n, "?mode=apikey&scopes=no-such-scope", {{"x-api-key", k1.key}});
          return r && r->status == 403;
        },
        3s));
  }
  std::this_thread::sleep_for(1500ms);  // a status cached before the change is gone after the next poll
  int allowed = 0;
  for (int i = 0; i < 12; ++i) {
    const Headers h = i % 3 == 0   ? Headers{{"x-api-key", k1.key}}
                      : i % 3 == 1 ? Headers{{"x-api-key", k2.key}}
                                   : Headers{{"Authorization", "Bearer " + a.accessToken}};
    const auto r = i % 2 == 0 ? get(port, "/protected/flexible", h) : verifyOn(1 + i % 4 / 2, "?mode=any", h);
    ASSERT_TRUE(r) << describe(r);
    if (r->status == 200) {
      ++allowed;
      EXPECT_EQ(intHeader(*r, "ratelimit-limit"), 6) << *r;
      continue;
    }
    EXPECT_TRUE(r->status == 429 || r->status == 403) << *r;
    const std::string code = r->status == 429 ? r->json().value("code", "") : r->header("x-auth-error");
    EXPECT_EQ(code, "rate_limited") << *r;
  }
  EXPECT_EQ(allowed, 6);
}

// The guard's cost is spent, X-Credits-Remaining reaches the upstream (and a client's own copy does not), and at
// the end nginx answers 429 usage_exceeded with Retry-After to the next daily refill.
TEST(E2eAdmissionTest, CreditsThroughNginx) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-adm-credits");
  const Key k = createKnownKey(port, a, {{"name", "paid"}});
  ASSERT_FALSE(k.key.empty());
  ASSERT_NO_FATAL_FAILURE(grantCredits(k.id, 13, 13));
  if (!creditsSeenEverywhere(k.key)) GTEST_SKIP() << "this build does not read api_keys.credits_* back yet";
  // 13 - 2 spent by the probes: 11 left; /protected/expensive costs 5.
  const Headers h{{"x-api-key", k.key}, {"X-Credits-Remaining", "999999"}};
  for (const int left : {6, 1}) {
    const auto r = get(port, "/protected/expensive", h);
    ASSERT_TRUE(r) << describe(r);
    ASSERT_EQ(r->status, 200) << *r;
    int seen = 0;
    // Bound first: a range-for over a member of the temporary r->json() would dangle.
    const auto echoed = r->json();
    for (const auto& hv : echoed["headers"]) {
      if (hv[0].get<std::string>() == "X-Credits-Remaining" || hv[0].get<std::string>() == "x-credits-remaining") {
        ++seen;
        EXPECT_EQ(hv[1].get<std::string>(), std::to_string(left)) << *r;
      }
    }
    EXPECT_EQ(seen, 1) << "exactly authd's X-Credits-Remaining upstream: " << *r;
  }
  const auto over = get(port, "/protected/expensive", h);
  ASSERT_TRUE(over) << describe(over);
  EXPECT_EQ(over->status, 429) << *over;
  EXPECT_EQ(over->json().value("code", ""), "usage_exceeded") << *over;
  EXPECT_EQ(over->json().value("message", ""), "Usage limit exceeded") << *over;
  const auto retry = intHeader(*over, "retry-after");
  EXPECT_TRUE(retry && *retry >= 1 && *retry <= 86'400) << *over;
  // The last credit is still there for a route of cost 1.
  const auto cheap = get(port, "/protected/service-only", {{"x-api-key", k.key}});
  ASSERT_TRUE(cheap) << describe(cheap);
  EXPECT_EQ(cheap->status, 200) << *cheap;
  // A key without credits sends none upstream.
  const Key free = createKnownKey(port, a, {{"name", "free"}});
  const auto echo = get(port, "/protected/expensive", {{"x-api-key", free.key}, {"X-Credits-Remaining", "5"}});
  ASSERT_TRUE(echo && echo->status == 200) << describe(echo);
  const auto echoed = echo->json();  // bound: a range-for over a member of the temporary would dangle
  for (const auto& hv : echoed["headers"]) {
    EXPECT_NE(hv[0].get<std::string>(), "X-Credits-Remaining") << *echo;
    EXPECT_NE(hv[0].get<std::string>(), "x-credits-remaining") << *echo;
  }
}

// Both instances, many connections, racing for the last credits: never more allowed than granted.
TEST(E2eAdmissionTest, TwoInstancesRaceForTheLastCredits) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-adm-race");
  const Key k = createKnownKey(port, a, {{"name", "race"}});
  ASSERT_FALSE(k.key.empty());
  ASSERT_NO_FATAL_FAILURE(grantCredits(k.id, 42, 0));
  if (!creditsSeenEverywhere(k.key)) GTEST_SKIP() << "this build does not read api_keys.credits_* back yet";
  std::atomic<int> allowed{0}, exceeded{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        const auto r = verifyKeyOn(1 + t % 2, k.key);
        if (r && r->status == 200) ++allowed;
        else if (r && r->header("x-auth-error") == "usage_exceeded") ++exceeded;
        else ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 40) << "42 granted, 2 spent by the probes";
  EXPECT_EQ(exceeded.load(), 96 - 40);
  EXPECT_EQ(other.load(), 0);
}

// Redis stopped: a key with credits fails closed (503 through nginx), a key without and a JWT still verify.
TEST(E2eAdmissionTest, RedisDownCreditsFailClosed) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-adm-redis");
  const Key paid = createKnownKey(port, a, {{"name", "paid"}});
  const Key free = createKnownKey(port, a, {{"name", "free"}});
  ASSERT_FALSE(paid.key.empty() || free.key.empty());
  ASSERT_NO_FATAL_FAILURE(grantCredits(paid.id, 100, 0));
  if (!creditsSeenEverywhere(paid.key)) GTEST_SKIP() << "this build does not read api_keys.credits_* back yet";
  ServiceOutage outage("Redis", "redis-stop", [] { return stack("redis-start") == 0; });
  ASSERT_TRUE(outage.stopped()) << "scripts/stack.sh redis-stop failed";
  const auto r = get(port, "/protected/service-only", {{"x-api-key", paid.key}});
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->status, 503) << *r;
  for (const int n : {1, 2}) {
    const auto direct = verifyKeyOn(n, paid.key);
    ASSERT_TRUE(direct) << describe(direct);
    EXPECT_EQ(direct->status, 503) << *direct;
    EXPECT_EQ(direct->header("x-auth-error"), "cache_unavailable") << *direct;
  }
  const auto f = get(port, "/protected/service-only", {{"x-api-key", free.key}});
  ASSERT_TRUE(f) << describe(f);
  EXPECT_EQ(f->status, 200) << *f;
  const auto j = get(port, "/protected/user-only", {{"Authorization", "Bearer " + a.accessToken}});
  ASSERT_TRUE(j) << describe(j);
  EXPECT_EQ(j->status, 200) << *j;
}

}  // namespace
}  // namespace authd::testing
