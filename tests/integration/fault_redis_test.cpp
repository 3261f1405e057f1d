// Redis stopped under the running stack (two authd instances behind nginx):
// /verify keeps answering correctly from PostgreSQL on both instances and
// through nginx, a revocation made while Redis is down reaches the other
// instance within a second through the PostgreSQL change poll, account and key
// writes keep working, rate limits fall back to per-instance counting and
// /readyz says cache_unavailable. When Redis returns (no authd restart):
// /readyz is 200 again, counters are shared again and pub/sub resubscribes.
// Redis is always started again, even when the test fails.
//
// Checked against a broken protection: with INVALIDATION_POLL_MS=60000 (the
// largest allowed) in stack.env and both instances restarted, this test fails:
// instance 2 and nginx still answered 200 for the key revoked 1.5 s earlier
// while Redis was down.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/matchers.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A long window: the fixed window is aligned to the epoch, so a short one could reset mid-test.
constexpr int kLimit = 3;
constexpr int kWindowSeconds = 3600;
constexpr const char* kPassword = "fault-redis-pw-123";

// A key limited to kLimit uses per kWindowSeconds, created on `port`.
Key createLimitedKey(uint16_t port, const Account& a) {
  return createKey(port, a,
                   {{"name", "limited"}, {"rateLimit", {{"limit", kLimit}, {"windowSeconds", kWindowSeconds}}}});
}

// DELETE /keys/:id on `port`; the status (0 without a response).
int revoke(uint16_t port, const Account& a, const std::string& keyId) {
  const auto r = request(port, "DELETE", "/keys/" + keyId, bearer(a.accessToken));
  EXPECT_TRUE(r && r->status == 200) << "revoke on " << port << ": " << describe(r);
  return r ? r->status : 0;
}

// Milliseconds until instance n answers key_revoked for `key` (polled every 5 ms), or -1 after `limit`.
int64_t msUntilRevokedOn(int n, const std::string& key, Clock::time_point since, std::chrono::milliseconds limit) {
  for (;;) {
    const auto r = verifyKeyOn(n, key);
    if (r && r->status == 401 && r->header("x-auth-error") == "key_revoked") return msSince(since);
    if (Clock::now() - since > limit) return -1;
    std::this_thread::sleep_for(5ms);
  }
}

// Moves the key's updated_at an hour back, as if it had been created long ago. The change poll re-reads the last
// 5 s of changes every time, so a key younger than that is evicted from every L1 cache every 500 ms anyway and a
// revocation test on it would pass without any invalidation. (The trigger only touches updated_at when a
// watched column changes, so the value written here stays.)
void backdate(store::pg::PgPool& pg, const std::string& keyId) {
  auto r = pg.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("UPDATE api_keys SET updated_at = now() - interval '1 hour' WHERE id = $1::uuid", keyId);
    tx.commit();
  });
  ASSERT_TRUE(r.has_value()) << "backdating key " << keyId << ": " << r.error().message;
}

// Counts how many of `n` alternating uses (instance 1, 2, 1, ...) pass; every other answer must be rate_limited.
int passesAlternating(const std::string& key, int n) {
  int passed = 0;
  for (int i = 0; i < n; ++i) {
    const int instance = 1 + i % 2;
    const auto r = verifyKeyOn(instance, key);
    if (r && r->status == 200) {
      ++passed;
      continue;
    }
    EXPECT_TRUE(directIs(r, 403, "rate_limited")) << "use " << i + 1 << " on instance " << instance;
  }
  return passed;
}

// While Redis is down every answer stays correct and writes keep working; once it is back, /readyz, shared
// counters and pub/sub all recover by themselves, with the same authd processes throughout.
TEST(FaultRedisTest, VerifyWritesAndLimitsDuringAndAfterOutage) {
  const TestEnv& env = testEnv();
  const uint16_t nginx = env.nginxPort;
  ASSERT_TRUE(bothReady(10s)) << "the stack is not ready before the test";
  const std::string pid1 = authdPid(1), pid2 = authdPid(2);
  ASSERT_FALSE(pid1.empty() || pid2.empty()) << "no authd PID files under " << env.stateDir << "/run";

  // Before the outage: a user, a key to keep, a key to revoke during the outage, a limited key; all warm on
  // both instances (instance 2 holds the key to revoke in its L1 cache, so only an invalidation can evict it).
  const Account a = signup(nginx, "it-fault-redis-owner", kPassword);
  ASSERT_FALSE(a.accessToken.empty());
  const Key valid = createKey(env.authdPort(1), a, {{"name", "fault"}});
  const Key doomed = createKey(env.authdPort(1), a, {{"name", "fault"}});
  const Key limited = createLimitedKey(env.authdPort(1), a);
  ASSERT_FALSE(valid.key.empty() || doomed.key.empty() || limited.key.empty());
  auto pg = makeTestPgPool(1);
  for (const Key* k : {&valid, &doomed}) ASSERT_NO_FATAL_FAILURE(backdate(*pg, k->id));
  std::this_thread::sleep_for(600ms);  // a poll still in flight may evict them once more: warm them after it
  for (const int n : {1, 2}) {
    ASSERT_TRUE(eventually([&] { return directIs(verifyKeyOn(n, valid.key), 200, ""); }, 2s)) << "instance " << n;
    ASSERT_TRUE(eventually([&] { return directIs(verifyKeyOn(n, doomed.key), 200, ""); }, 2s)) << "instance " << n;
    ASSERT_TRUE(directIs(verifyJwtOn(n, a.accessToken), 200, "")) << "instance " << n;
  }
  const std::string unknown = keys::generateKey(keys::kDefaultKeyPrefix).key;

  {
    ServiceOutage outage("Redis", "redis-stop", [] { return stack("redis-start") == 0; });
    ASSERT_TRUE(outage.stopped()) << "scripts/stack.sh redis-stop failed";

    // /readyz names the cache, on both instances and through nginx.
    for (const int n : {1, 2}) {
      std::optional<HttpResult> r;
      EXPECT_TRUE(eventually([&] { return (r = get(env.authdPort(n), "/readyz")) && r->status == 503; }, 3s))
          << "instance " << n << " /readyz: " << describe(r);
      EXPECT_TRUE(nginxIs(r, 503, "cache_unavailable")) << "instance " << n;
    }
    EXPECT_TRUE(nginxIs(get(nginx, "/readyz"), 503, "cache_unavailable")) << "through nginx";

    // Valid key, unknown key and JWT: the right answer everywhere.
    for (const int n : {1, 2}) {
      EXPECT_TRUE(directIs(verifyKeyOn(n, valid.key), 200, "")) << "valid key, instance " << n;
      EXPECT_TRUE(directIs(verifyKeyOn(n, unknown), 401, "invalid_key")) << "unknown key, instance " << n;
      EXPECT_TRUE(directIs(verifyJwtOn(n, a.accessToken), 200, "")) << "JWT, instance " << n;
    }
    for (int i = 0; i < 2; ++i) {  // twice: nginx alternates between the instances
      EXPECT_TRUE(nginxIs(get(nginx, "/protected/service-only", apiKey(valid.key)), 200, "")) << "valid key";
      EXPECT_TRUE(nginxIs(get(nginx, "/protected/service-only", apiKey(unknown)), 401, "invalid_key"));
      EXPECT_TRUE(nginxIs(get(nginx, "/protected/user-only", bearer(a.accessToken)), 200, "")) << "JWT";
    }

    // A revocation on instance 1 while Redis is down reaches instance 2 (warm cache) through the PostgreSQL poll.
    ASSERT_EQ(revoke(env.authdPort(1), a, doomed.id), 200);
    const auto revokedAt = Clock::now();
    EXPECT_TRUE(directIs(verifyKeyOn(1, doomed.key), 401, "key_revoked")) << "instance 1, right after the DELETE";
    const int64_t seenAfter = msUntilRevokedOn(2, doomed.key, revokedAt, 1500ms);
    std::cerr << "note: revocation with Redis down reached instance 2 after " << seenAfter << " ms\n";
    EXPECT_GE(seenAfter, 0) << "instance 2 still accepts a key revoked 1.5 s ago while Redis is down";
    EXPECT_LE(seenAfter, 1000) << "revocation took longer than a second to reach instance 2";
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(nginxIs(get(nginx, "/protected/service-only", apiKey(doomed.key)), 401, "key_revoked"));
    }

    // Account writes: signup, login, key creation; the new key works on the OTHER instance at once.
    const Account b = signup(nginx, "it-fault-redis-during", kPassword);
    EXPECT_FALSE(b.accessToken.empty()) << "signup while Redis is down";
    const auto login = postJson(nginx, "/auth/login", {{"email", a.email}, {"password", kPassword}});
    EXPECT_TRUE(login && login->status == 200 && login->json().contains("accessToken")) << describe(login);
    const Key fresh = createKey(env.authdPort(1), a, {{"name", "fault"}});
    ASSERT_FALSE(fresh.key.empty()) << "key creation while Redis is down";
    EXPECT_TRUE(directIs(verifyKeyOn(2, fresh.key), 200, "")) << "a key created on instance 1 during the outage";
    EXPECT_TRUE(directIs(verifyKeyOn(1, fresh.key), 200, ""));

    // Rate limits degrade to per-instance counting: at most kLimit on each instance.
    for (const int n : {1, 2}) {
      for (int i = 0; i < kLimit; ++i) {
        EXPECT_TRUE(directIs(verifyKeyOn(n, limited.key), 200, "")) << "use " << i + 1 << " on instance " << n;
      }
      const auto over = verifyKeyOn(n, limited.key);
      EXPECT_TRUE(directIs(over, 403, "rate_limited")) << "use " << kLimit + 1 << " on instance " << n;
      if (over) {
        EXPECT_FALSE(over->header("retry-after").empty()) << describe(over);
      }
    }
    EXPECT_TRUE(nginxIs(get(nginx, "/protected/service-only", apiKey(limited.key)), 429, "rate_limited"));

    // Nothing crashed.
    EXPECT_EQ(authdPid(1), pid1);
    EXPECT_EQ(authdPid(2), pid2);
    outage.end();  // Redis back; waits for /readyz 200 on both instances
  }

  // After: readiness, shared counters and the subscription come back by themselves.
  ASSERT_TRUE(bothReady(5s)) << "not ready after Redis came back";
  EXPECT_TRUE(nginxIs(get(nginx, "/readyz"), 200, ""));
  for (const int n : {1, 2}) {
    std::optional<double> subscribed;
    EXPECT_TRUE(eventually(
        [&] { return (subscribed = metricOn(n, R"(authd_state{what="invalidation_subscribed"})")) == 1.0; }, 5s))
        << "instance " << n << " did not resubscribe to the invalidation channel (gauge "
        << (subscribed ? std::to_string(*subscribed) : "absent") << ")";
  }

  // Counters are shared again: kLimit passes in total over both instances.
  const Key limited2 = createLimitedKey(nginx, a);
  ASSERT_FALSE(limited2.key.empty());
  EXPECT_EQ(passesAlternating(limited2.key, 2 * kLimit), kLimit) << "the Redis-backed counter is not shared again";

  // Revocation over pub/sub again: measured from the DELETE's answer to instance 2's first key_revoked.
  const Key later = createKey(env.authdPort(1), a, {{"name", "fault"}});
  ASSERT_FALSE(later.key.empty());
  ASSERT_NO_FATAL_FAILURE(backdate(*pg, later.id));
  std::this_thread::sleep_for(600ms);
  for (const int n : {1, 2})
    ASSERT_TRUE(eventually([&] { return directIs(verifyKeyOn(n, later.key), 200, ""); }, 2s)) << "instance " << n;
  ASSERT_EQ(revoke(env.authdPort(1), a, later.id), 200);
  const int64_t seen = msUntilRevokedOn(2, later.key, Clock::now(), 1500ms);
  std::cerr << "note: revocation after Redis came back reached instance 2 after " << seen << " ms\n";
  EXPECT_GE(seen, 0) << "instance 2 still accepts a revoked key after 1.5 s";
  EXPECT_LE(seen, 1000);

  // Everything from before and during the outage still holds.
  for (const int n : {1, 2}) {
    EXPECT_TRUE(directIs(verifyKeyOn(n, valid.key), 200, "")) << "instance " << n;
    EXPECT_TRUE(directIs(verifyKeyOn(n, doomed.key), 401, "key_revoked")) << "instance " << n;
    EXPECT_TRUE(directIs(verifyKeyOn(n, unknown), 401, "invalid_key")) << "instance " << n;
  }
  EXPECT_EQ(authdPid(1), pid1) << "authd instance 1 was restarted";
  EXPECT_EQ(authdPid(2), pid2) << "authd instance 2 was restarted";
}

}  // namespace
}  // namespace authd::testing
