// The pools recover by themselves: PostgreSQL and Redis are stopped and
// started under a live PgPool, a live RedisPool and the running authd
// instances, which must report the outage quickly and come back without a
// restart. Every test leaves both servers running, even when it fails.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;

// Stops a stack service for the scope of a test and starts it again on
// destruction (or earlier, with start()), so a failing test cannot leave
// PostgreSQL or Redis down for the tests after it.
class Outage {
 public:
  explicit Outage(std::string service) : service_(std::move(service)) {
    EXPECT_EQ(stack(service_ + "-stop"), 0) << "stack.sh " << service_ << "-stop failed";
  }
  ~Outage() {
    if (!started_) start();
  }
  Outage(const Outage&) = delete;
  Outage& operator=(const Outage&) = delete;

  void start() {
    started_ = true;
    EXPECT_EQ(stack(service_ + "-start"), 0) << "stack.sh " << service_ << "-start failed";
  }

 private:
  std::string service_;
  bool started_ = false;
};

class PoolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Fails (not skips) without the stack, with the reason.
    (void)testEnv();
    // A previous test that crashed mid-way may have left a server down.
    ASSERT_EQ(stack("pg-start"), 0);
    ASSERT_EQ(stack("redis-start"), 0);
  }
};

// Seconds a call took, for "answers quickly" assertions.
template <class F>
double secondsTaken(F&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int statusOf(uint16_t port, std::string_view target) {
  auto res = get(port, target);
  return res ? res->status : 0;
}

// PostgreSQL stopped under a pool: ping fails fast with kDatabaseUnavailable,
// and the same pool pings OK again once PostgreSQL is back.
TEST_F(PoolsTest, PgPoolReportsOutageAndRecovers) {
  auto pool = makeTestPgPool(2);
  auto first = pool->ping();
  ASSERT_TRUE(first) << describe(first);

  Outage outage("pg");
  Status down;
  const double took = secondsTaken([&] { down = pool->ping(); });
  ASSERT_FALSE(down) << "ping succeeded with PostgreSQL stopped";
  EXPECT_EQ(down.error().code, Code::kDatabaseUnavailable) << describe(down);
  EXPECT_LT(took, 3.0) << "ping must fail fast, not hang, while PostgreSQL is down";
  // Still failing fast on a pool with no connection left.
  Status again;
  EXPECT_LT(secondsTaken([&] { again = pool->ping(); }), 3.0);
  EXPECT_FALSE(again);

  outage.start();
  Status last;
  EXPECT_TRUE(eventually([&] { return (last = pool->ping()).has_value(); }, 10s))
      << "the same pool did not recover within 10 s; last ping: " << describe(last);
}

// Leaves `n` idle connections in the pool: n leases held at once, then returned.
template <class Pool>
::testing::AssertionResult openIdle(Pool& pool, int n) {
  std::vector<decltype(pool.acquire())> leases;
  for (int i = 0; i < n; ++i) {
    leases.push_back(pool.acquire());
    if (!leases.back()) {
      return ::testing::AssertionFailure()
             << "could not open connection " << i + 1 << " of " << n << ": " << codeName(leases.back().error().code);
    }
  }
  return ::testing::AssertionSuccess();
}

// Stops and starts a stack service: every connection open to it dies.
void restart(const std::string& service) { Outage outage(service); }

Result<int> selectAnswer(store::pg::PgPool& pool) {
  return pool.run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec1("SELECT 41 + 1")[0].as<int>();
  });
}

// A pool whose idle connections were all killed by a PostgreSQL restart
// recovers by itself: by the second query it answers again.
TEST_F(PoolsTest, PgPoolRecoversWhenIdleConnectionsWereKilled) {
  auto pool = makeTestPgPool(2);
  ASSERT_TRUE(openIdle(*pool, 2));
  ASSERT_EQ(pool->open(), 2);

  restart("pg");
  auto first = selectAnswer(*pool);
  auto second = selectAnswer(*pool);
  ASSERT_TRUE(second) << "second query after the restart: " << codeName(second.error().code)
                      << " (first: " << (first ? "ok" : codeName(first.error().code)) << ")";
  EXPECT_EQ(*second, 42);
  EXPECT_LE(pool->open(), 2);
}

// PgPool's contract (pg_pool.hpp): "a broken connection on a reused lease is
// retried once on a fresh one", so no query fails after a restart, even when
// every idle connection is stale.
TEST_F(PoolsTest, PgPoolRetriesStaleConnectionsOnFreshOnes) {
  auto pool = makeTestPgPool(2);
  ASSERT_TRUE(openIdle(*pool, 2));

  restart("pg");
  for (int i = 1; i <= 2; ++i) {
    auto r = selectAnswer(*pool);
    ASSERT_TRUE(r) << "query " << i << " after the restart failed (" << codeName(r.error().code)
                   << "): the retry must use a fresh connection, not another stale idle one";
    EXPECT_EQ(*r, 42);
  }

  // Concurrent callers after a restart: each takes a stale connection and
  // must still succeed.
  ASSERT_TRUE(openIdle(*pool, 2));
  restart("pg");
  auto slow = [&] {
    return pool->run([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT pg_sleep(0.3)");
      return 1;
    });
  };
  auto f1 = std::async(std::launch::async, slow);
  auto f2 = std::async(std::launch::async, slow);
  auto r1 = f1.get();
  auto r2 = f2.get();
  EXPECT_TRUE(r1) << codeName(r1.error().code);
  EXPECT_TRUE(r2) << codeName(r2.error().code);
  EXPECT_LE(pool->open(), 2);
}

// Redis stopped under a pool: ping fails fast with kCacheUnavailable, and the
// same pool pings OK again once Redis is back.
TEST_F(PoolsTest, RedisPoolReportsOutageAndRecovers) {
  auto pool = makeTestRedisPool(2);
  auto first = pool->ping();
  ASSERT_TRUE(first) << describe(first);

  Outage outage("redis");
  Status down;
  const double took = secondsTaken([&] { down = pool->ping(); });
  ASSERT_FALSE(down) << "ping succeeded with Redis stopped";
  EXPECT_EQ(down.error().code, Code::kCacheUnavailable) << describe(down);
  EXPECT_LT(took, 3.0) << "ping must fail fast, not hang, while Redis is down";
  Status again;
  EXPECT_LT(secondsTaken([&] { again = pool->ping(); }), 3.0);
  EXPECT_FALSE(again);

  outage.start();
  Status last;
  EXPECT_TRUE(eventually([&] { return (last = pool->ping()).has_value(); }, 10s))
      << "the same pool did not recover within 10 s; last ping: " << describe(last);
}

// A pool whose idle contexts were all killed by a Redis restart recovers by
// itself: each stale context fails at most one call, then it reconnects.
TEST_F(PoolsTest, RedisPoolRecoversWhenIdleContextsWereKilled) {
  auto pool = makeTestRedisPool(2);
  ASSERT_TRUE(openIdle(*pool, 2));
  ASSERT_EQ(pool->open(), 2);

  restart("redis");
  Status last;
  int failures = 0;
  for (int i = 0; i < 3 && !(last = pool->ping()); ++i) ++failures;
  EXPECT_TRUE(last) << "no PING succeeded in 3 tries after the restart: " << describe(last);
  EXPECT_LE(failures, 2) << "more failures than stale contexts";
  EXPECT_LE(pool->open(), 2);
}

// Through nginx, /readyz follows the outage of one dependency (`service`):
// 503 naming it while it is down, 200 again after it is back, with the same
// authd processes; /healthz stays 200 all along.
void checkReadinessFollows(const std::string& service, const std::string& checkName, const std::string& code) {
  const TestEnv& env = testEnv();
  const std::string pid1 = authdPid(1);
  const std::string pid2 = authdPid(2);

  // Precondition, not the subject: an earlier test's restart may have left
  // stale connections that authd drops on its first calls (see
  // ReadyzTellsTheTruthRightAfterRedisRestart).
  std::optional<HttpResult> ready;
  eventually([&] { return bothReadyNow() && (ready = get(env.nginxPort, "/readyz")) && ready->status == 200; }, 5s);
  ASSERT_TRUE(ready) << "no response from nginx: " << lastError();
  ASSERT_EQ(ready->status, 200) << *ready;
  auto body = ready->json();
  EXPECT_EQ(body["status"], "ready") << *ready;
  EXPECT_EQ(body["checks"]["postgres"], "up") << *ready;
  EXPECT_EQ(body["checks"]["redis"], "up") << *ready;

  {
    Outage outage(service);
    // Both instances notice: ask each directly, then nginx.
    for (int n = 1; n <= 2; ++n) {
      int status = 0;
      EXPECT_TRUE(eventually([&] { return (status = statusOf(env.authdPort(n), "/readyz")) == 503; }, 5s))
          << "authd #" << n << " /readyz with " << checkName << " down: " << status;
    }
    std::optional<HttpResult> res;
    const double took = secondsTaken([&] { res = get(env.nginxPort, "/readyz"); });
    ASSERT_TRUE(res) << "no response from nginx: " << lastError();
    EXPECT_LT(took, 3.0) << "/readyz must answer quickly during an outage";
    EXPECT_EQ(res->status, 503) << *res;
    auto json = res->json();
    ASSERT_TRUE(json.is_object()) << *res;
    EXPECT_EQ(json["statusCode"], 503) << *res;
    EXPECT_EQ(json["code"], code) << *res;
    ASSERT_TRUE(json["message"].is_string()) << *res;
    EXPECT_NE(json["message"].get<std::string>().find(checkName), std::string::npos) << *res;
    EXPECT_EQ(json["checks"][checkName], "down") << *res;

    auto health = get(env.nginxPort, "/healthz");
    ASSERT_TRUE(health) << "no response from nginx: " << lastError();
    EXPECT_EQ(health->status, 200) << "/healthz must not depend on " << checkName << ": " << *health;

    outage.start();
    std::optional<HttpResult> last;
    EXPECT_TRUE(eventually(
        [&] {
          // Every instance must be ready, not only the one nginx picks.
          if (!bothReadyNow()) return false;
          last = get(env.nginxPort, "/readyz");
          return last && last->status == 200;
        },
        15s))
        << "authd did not become ready again within 15 s after " << checkName
        << " came back; last: " << (last ? ::testing::PrintToString(*last) : lastError());
  }

  auto health = get(env.nginxPort, "/healthz");
  ASSERT_TRUE(health) << "no response from nginx: " << lastError();
  EXPECT_EQ(health->status, 200) << *health;
  EXPECT_EQ(authdPid(1), pid1) << "authd #1 was restarted; it must recover by itself";
  EXPECT_EQ(authdPid(2), pid2) << "authd #2 was restarted; it must recover by itself";
}

// authd reports PostgreSQL's outage on /readyz and recovers without a restart.
TEST_F(PoolsTest, ReadyzFollowsPostgres) { checkReadinessFollows("pg", "postgres", "database_unavailable"); }

// authd reports Redis's outage on /readyz and recovers without a restart.
TEST_F(PoolsTest, ReadyzFollowsRedis) { checkReadinessFollows("redis", "redis", "cache_unavailable"); }

// /readyz tells the truth as soon as Redis is back: a context left stale by
// the restart must not make an instance report Redis down while it is up.
TEST_F(PoolsTest, ReadyzTellsTheTruthRightAfterRedisRestart) {
  const TestEnv& env = testEnv();
  ASSERT_TRUE(eventually([&] { return bothReadyNow(); }, 5s)) << "the stack is not ready to begin with";

  restart("redis");
  for (int n = 1; n <= 2; ++n) {
    auto res = get(env.authdPort(n), "/readyz");
    ASSERT_TRUE(res) << "no response from authd #" << n << ": " << lastError();
    EXPECT_EQ(res->status, 200) << "authd #" << n << " right after Redis came back: " << *res;
  }
}

}  // namespace
}  // namespace authd::testing
