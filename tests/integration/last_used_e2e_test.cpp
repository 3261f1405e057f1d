// lastUsedAt against the running stack (two authd instances behind nginx,
// LAST_USED_FLUSH_MS=1000): a use reaches api_keys.last_used_at within the
// flush interval and shows in GET /keys; a graceful stop (SIGTERM) flushes
// what the stopping instance still holds; a kill -9 after the use reached the
// shared Redis queue loses nothing (the other instance flushes it). Every
// instance a test stops is started again, even when the test fails.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct UserAndKey {
  std::string accessToken;
  std::string keyId;
  std::string key;
};

// A fresh user (signed up through `port`) with one key.
UserAndKey newUserAndKey(uint16_t port, std::string_view tag) {
  const Account a = signup(port, "it-lastused-" + std::string(tag));
  if (a.id.empty()) return {};
  const Key k = createKnownKey(port, a, {{"name", "used"}});
  if (k.key.empty()) return {};
  return {a.accessToken, k.id, k.key};
}

// One pool to the test PostgreSQL for the whole suite.
store::pg::PgPool& pg() {
  static auto pool = makeTestPgPool(1);
  return *pool;
}

// One use of the key on authd instance n's /verify; fails the test unless it is accepted.
void useOn(int n, const std::string& key) {
  const auto r = verifyKeyOn(n, key);
  ASSERT_TRUE(r && r->status == 200) << "instance " << n << ": " << describe(r);
}

// A use through nginx is in PostgreSQL within LAST_USED_FLUSH_MS (1 s) plus slack, with the time of the use, and
// GET /keys shows it as lastUsedAt.
TEST(LastUsedEndToEndTest, UseThroughNginxReachesPostgresAndListing) {
  const uint16_t port = testEnv().nginxPort;
  const UserAndKey k = newUserAndKey(port, "nginx");
  ASSERT_FALSE(k.key.empty());
  ASSERT_EQ(lastUsedMs(pg(), k.keyId), std::nullopt) << "a new key has never been used";

  const int64_t before = nowMs();
  const auto r = get(port, "/protected/service-only", {{"x-api-key", k.key}});
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  const int64_t after = nowMs();

  std::optional<int64_t> used;
  const auto start = std::chrono::steady_clock::now();
  const bool flushed = eventually([&] { return (used = lastUsedMs(pg(), k.keyId)).has_value(); }, 3s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  ASSERT_TRUE(flushed) << "last_used_at still NULL after " << took.count() << " ms";
  EXPECT_GE(*used, before - 1000) << "last_used_at is before the use";
  EXPECT_LE(*used, after + 1000) << "last_used_at is after the use";

  const auto list = get(port, "/keys", {{"Authorization", "Bearer " + k.accessToken}});
  ASSERT_TRUE(list && list->status == 200) << describe(list);
  const json keysJson = list->json();
  ASSERT_TRUE(keysJson.is_array() && keysJson.size() == 1) << *list;
  EXPECT_EQ(keysJson[0].value("id", ""), k.keyId) << *list;
  ASSERT_TRUE(keysJson[0].contains("lastUsedAt") && keysJson[0]["lastUsedAt"].is_string()) << *list;
  EXPECT_FALSE(keysJson[0]["lastUsedAt"].get<std::string>().empty()) << *list;
}

// SIGTERM flushes: with instance 2 stopped (so no other instance flushes the shared queue), a use on instance 1
// followed at once by a graceful stop is in PostgreSQL as soon as the process has exited.
TEST(LastUsedEndToEndTest, GracefulStopFlushesPendingUses) {
  const UserAndKey k = newUserAndKey(testEnv().authdPort(1), "sigterm");
  ASSERT_FALSE(k.key.empty());
  {
    InstanceRestarter restart2(2);
    ASSERT_EQ(stack("authd-stop", 2), 0);
    {
      InstanceRestarter restart1(1);
      useOn(1, k.key);
      ASSERT_EQ(stack("authd-stop", 1), 0);
      // No authd runs now: whatever is in PostgreSQL was written by instance 1's stop.
      const auto used = lastUsedMs(pg(), k.keyId);
      ASSERT_TRUE(used.has_value()) << "the graceful stop did not flush the use to PostgreSQL";
      EXPECT_LE(std::llabs(*used - nowMs()), 10'000) << "last_used_at far from now";
    }
  }
  // Both instances are back.
  for (const int n : {1, 2}) {
    const auto r = get(testEnv().authdPort(n), "/healthz");
    EXPECT_TRUE(r && r->status == 200) << "instance " << n << ": " << describe(r);
  }
}

// kill -9 after the use reached the shared Redis queue: nothing is lost, instance 1 flushes it to PostgreSQL.
TEST(LastUsedEndToEndTest, CrashAfterQueueingLosesNothing) {
  auto redis = makeTestRedisPool(1);
  const UserAndKey k = newUserAndKey(testEnv().authdPort(2), "kill");
  ASSERT_FALSE(k.key.empty());
  {
    InstanceRestarter restart2(2);
    useOn(2, k.key);
    // The buffer is pushed to Redis every 250 ms.
    ASSERT_TRUE(eventually(
        [&] { return queuedInRedis(*redis, k.keyId, LastUsedSets::kLive) || lastUsedMs(pg(), k.keyId).has_value(); },
        2s))
        << "the use never reached Redis";
    const bool alreadyFlushed = lastUsedMs(pg(), k.keyId).has_value();
    ASSERT_EQ(stack("authd-kill", 2), 0);
    if (alreadyFlushed) std::cerr << "note: the use was flushed before the kill; the crash path was not exercised\n";
    std::optional<int64_t> used;
    const bool flushed = eventually([&] { return (used = lastUsedMs(pg(), k.keyId)).has_value(); }, 5s);
    ASSERT_TRUE(flushed) << "instance 1 did not flush the use that instance 2 had queued before it was killed";
    EXPECT_LE(std::llabs(*used - nowMs()), 10'000) << "last_used_at far from now";
    EXPECT_FALSE(queuedInRedis(*redis, k.keyId, LastUsedSets::kLive)) << "flushed but still queued";
  }
  const auto r = get(testEnv().authdPort(2), "/healthz");
  EXPECT_TRUE(r && r->status == 200) << "instance 2 after restart: " << describe(r);
}

}  // namespace
}  // namespace authd::testing
