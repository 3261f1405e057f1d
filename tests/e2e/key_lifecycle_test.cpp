// The key lifecycle across both authd instances, through nginx: a change made
// through one instance (PATCH scopes, limit, expiry, enabled; rotation; a leak
// report) is what the OTHER instance answers within 1 s, although its caches
// were warmed with the old state first. The routes pinned to one instance
// (/pinned/N/…, tests/e2e/nginx/pinned-*.conf.in) choose who changes and who
// verifies. Also: rotation's grace period (both keys valid, then the old one
// key_expired), its 409s and its race, and leak reports (202 whatever was
// sent, limited per client address). Each test signs up its own user.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <fstream>
#include <latch>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/dotenv.hpp"
#include "core/time_format.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/matchers.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

// SPEC.md: every change reaches every instance within this.
constexpr auto kPropagation = 1s;

// The other instance of the two.
int other(int n) { return n == 1 ? 2 : 1; }

// instance n's pinned `route` answers the key with `status` (and, unless 200, this code) by `deadline`; polled
// every 20 ms, the failure says what it still answered and how late it was.
::testing::AssertionResult answersBy(int n, std::string_view route, const std::string& key, int status,
                                     std::string_view code, SteadyTime since, std::chrono::milliseconds within) {
  std::optional<HttpResult> last;
  const bool seen = eventually(
      [&] {
        last = viaInstance(n, route, key);
        return nginxIs(last, status, status == 200 ? "" : code);
      },
      within - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since), 20ms);
  if (seen) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "instance " << n << " /" << route << " still answers " << describe(last)
                                       << " " << msSince(since) << " ms after the change; expected " << status << " "
                                       << code << " within " << within.count() << " ms";
}

// Both instances answer as said within kPropagation of `since`.
::testing::AssertionResult bothAnswer(std::string_view route, const std::string& key, int status, std::string_view code,
                                      SteadyTime since) {
  for (const int n : {1, 2}) {
    if (auto r = answersBy(n, route, key, status, code, since, kPropagation); !r) return r;
  }
  return ::testing::AssertionSuccess();
}

// Both instances accept the key on `route` now: their caches hold it (with what it carries) before it changes.
void warm(std::string_view route, const std::string& key) {
  for (const int n : {1, 2}) {
    const auto r = viaInstance(n, route, key);
    ASSERT_TRUE(nginxIs(r, 200, "")) << "warming instance " << n << " on /" << route;
  }
}

// The body of a 200/201 answer; a discarded value (and a failed test) otherwise.
json bodyOf(const std::optional<HttpResult>& r, int status, std::string_view what) {
  EXPECT_TRUE(r && r->status == status) << what << ": " << describe(r);
  if (!r || r->status != status) return json(json::value_t::discarded);
  return r->json();
}

// A user and one key known to both instances.
struct Owned {
  Account account;
  Key key;
};

Owned ownedKey(std::string_view tag, const json& body = {{"name", "lifecycle"}}) {
  Owned o;
  o.account = signup(testEnv().nginxPort, "e2e-life-" + std::string(tag));
  if (o.account.id.empty()) return o;
  o.key = createKnownKey(testEnv().nginxPort, o.account, body);
  return o;
}

// ---- The pinned routes themselves -------------------------------------------------------

// /pinned/N/… is verified by instance N and no other: N's count of valid key verdicts grows by exactly the requests
// sent, the other's not at all. (The e2e suite runs serially: nothing else verifies meanwhile.)
TEST(E2eKeyLifecycleTest, PinnedRoutesReachOnlyTheirInstance) {
  const Owned o = ownedKey("pinned");
  ASSERT_FALSE(o.key.key.empty());
  const std::string series = R"(authd_verify_total{result="ok",type="apiKey"})";
  for (const int n : {1, 2}) {
    const auto mine = metricOn(n, series);
    const auto theirs = metricOn(other(n), series);
    ASSERT_TRUE(mine && theirs) << "no " << series << " on /metrics";
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(nginxIs(viaInstance(n, "service-only", o.key.key), 200, ""));
    EXPECT_EQ(metricOn(n, series).value_or(-1), *mine + 5) << "instance " << n;
    EXPECT_EQ(metricOn(other(n), series).value_or(-1), *theirs) << "instance " << other(n) << " answered too";
    // The key API too: a key created there is the same key everywhere.
    const auto r = getKey(o.account, o.key.id, n);
    EXPECT_TRUE(r && r->status == 200 && r->json().value("id", "") == o.key.id) << describe(r);
  }
}

// ---- PATCH reaches the other instance ------------------------------------------------------

// A scope granted by a PATCH through instance 1 opens /reports on instance 2 (which had refused the key, so its
// cache held the scopeless key) within 1 s; and the other way round.
TEST(E2eKeyLifecycleTest, GrantedScopeReachesTheOtherInstanceWithin1s) {
  const Owned o = ownedKey("grant", {{"name", "grant"}, {"scopes", {"other.scope"}}});
  ASSERT_FALSE(o.key.key.empty());
  for (const int n : {1, 2}) {
    SCOPED_TRACE("PATCH through instance " + std::to_string(n));
    ASSERT_TRUE(bodyOf(patchKey(o.account, o.key.id, {{"scopes", {"other.scope"}}}, n), 200, "reset").is_object());
    ASSERT_TRUE(bothAnswer("reports", o.key.key, 403, "insufficient_scope", std::chrono::steady_clock::now()));
    warm("service-only", o.key.key);
    const json patched =
        bodyOf(patchKey(o.account, o.key.id, {{"scopes", {"other.scope", "reports:read"}}}, n), 200, "PATCH scopes");
    const auto since = std::chrono::steady_clock::now();
    EXPECT_EQ(patched["scopes"], json({"other.scope", "reports:read"})) << patched;
    EXPECT_TRUE(answersBy(other(n), "reports", o.key.key, 200, "", since, kPropagation));
    EXPECT_TRUE(answersBy(n, "reports", o.key.key, 200, "", since, kPropagation));
  }
}

// A scope removed by a PATCH through one instance is refused by the other within 1 s, and never accepted again:
// no instance keeps verifying with the old scopes.
TEST(E2eKeyLifecycleTest, RemovedScopeReachesTheOtherInstanceWithin1s) {
  const Owned o = ownedKey("remove", {{"name", "remove"}, {"scopes", {"reports:read"}}});
  ASSERT_FALSE(o.key.key.empty());
  for (const int n : {1, 2}) {
    SCOPED_TRACE("PATCH through instance " + std::to_string(n));
    ASSERT_TRUE(bodyOf(patchKey(o.account, o.key.id, {{"scopes", {"reports:read"}}}, n), 200, "reset").is_object());
    ASSERT_TRUE(bothAnswer("reports", o.key.key, 200, "", std::chrono::steady_clock::now()));
    const json patched = bodyOf(patchKey(o.account, o.key.id, {{"scopes", json::array()}}, n), 200, "PATCH scopes");
    const auto since = std::chrono::steady_clock::now();
    EXPECT_EQ(patched["scopes"], json::array()) << patched;
    EXPECT_TRUE(answersBy(other(n), "reports", o.key.key, 403, "insufficient_scope", since, kPropagation));
    EXPECT_TRUE(answersBy(n, "reports", o.key.key, 403, "insufficient_scope", since, kPropagation));
    for (int i = 0; i < 5; ++i) {
      for (const int m : {1, 2}) {
        EXPECT_TRUE(nginxIs(viaInstance(m, "reports", o.key.key), 403, "insufficient_scope")) << "instance " << m;
      }
    }
    // The key itself still works where no scope is needed.
    EXPECT_TRUE(bothAnswer("service-only", o.key.key, 200, "", since));
  }
}

// enabled:false through one instance: both refuse the key key_disabled within 1 s (nginx and /verify alike);
// enabled:true through the other: both accept it again within 1 s.
TEST(E2eKeyLifecycleTest, DisableAndEnableReachBothInstancesWithin1s) {
  const Owned o = ownedKey("disable");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const json off = bodyOf(patchKey(o.account, o.key.id, {{"enabled", false}}, 1), 200, "PATCH enabled:false");
  auto since = std::chrono::steady_clock::now();
  EXPECT_EQ(off.value("enabled", true), false) << off;
  EXPECT_EQ(off["disabledReason"], "user") << off;
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 401, "key_disabled", since));
  for (const int n : {1, 2}) EXPECT_TRUE(directIs(verifyKeyOn(n, o.key.key), 401, "key_disabled")) << n;
  const json listed = bodyOf(getKey(o.account, o.key.id, 2), 200, "GET the disabled key");
  EXPECT_EQ(listed.value("enabled", true), false) << listed;
  EXPECT_EQ(listed["disabledReason"], "user") << listed;
  EXPECT_EQ(listed.value("isActive", false), true) << "disabled is not revoked: " << listed;

  const json on = bodyOf(patchKey(o.account, o.key.id, {{"enabled", true}}, 2), 200, "PATCH enabled:true");
  since = std::chrono::steady_clock::now();
  EXPECT_EQ(on.value("enabled", false), true) << on;
  EXPECT_TRUE(on["disabledReason"].is_null()) << on;
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 200, "", since));
  for (const int n : {1, 2}) EXPECT_TRUE(directIs(verifyKeyOn(n, o.key.key), 200, "")) << n;
}

// A rate limit set by PATCH on a key both instances hold unlimited: within 1 s both answer with its
// RateLimit-Limit.
TEST(E2eKeyLifecycleTest, NewRateLimitReachesBothInstancesWithin1s) {
  const Owned o = ownedKey("limit");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const json limit{{"limit", 1000}, {"windowSeconds", 60}};
  const json patched = bodyOf(patchKey(o.account, o.key.id, {{"rateLimit", limit}}, 1), 200, "PATCH rateLimit");
  const auto since = std::chrono::steady_clock::now();
  EXPECT_EQ(patched["rateLimit"], limit) << patched;
  for (const int n : {1, 2}) {
    std::optional<HttpResult> last;
    EXPECT_TRUE(eventually(
        [&] {
          last = viaInstance(n, "service-only", o.key.key);
          return last && last->status == 200 && last->header("ratelimit-limit") == "1000";
        },
        kPropagation - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since),
        20ms))
        << "instance " << n << " still answers " << describe(last) << " with RateLimit-Limit '"
        << (last ? last->header("ratelimit-limit") : "") << "' " << msSince(since) << " ms after the PATCH";
  }
}

// An expiry set by PATCH 2 s ahead: both instances refuse the key key_expired within 1 s of it; `expiresAt: null`
// through the other instance makes it valid again on both within 1 s.
TEST(E2eKeyLifecycleTest, NewExpiryReachesBothInstancesWithin1s) {
  const Owned o = ownedKey("expiry");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const auto expiresAt = std::chrono::system_clock::now() + 2s;
  const json patched =
      bodyOf(patchKey(o.account, o.key.id, {{"expiresAt", formatIso8601(expiresAt)}}, 1), 200, "PATCH expiresAt");
  EXPECT_EQ(patched["expiresAt"], formatIso8601(expiresAt)) << patched;
  const auto expiry = std::chrono::steady_clock::now() + 2s;  // at the latest
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 200, "", std::chrono::steady_clock::now()))
      << "valid before its expiry";
  for (const int n : {1, 2}) {
    EXPECT_TRUE(answersBy(n, "service-only", o.key.key, 401, "key_expired", expiry, kPropagation));
  }
  const json cleared = bodyOf(patchKey(o.account, o.key.id, {{"expiresAt", nullptr}}, 2), 200, "PATCH expiresAt null");
  const auto since = std::chrono::steady_clock::now();
  EXPECT_TRUE(cleared["expiresAt"].is_null()) << cleared;
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 200, "", since));
}

// ---- Rotation ----------------------------------------------------------------------------

// POST /keys/:id/rotate answers 201 with a new key carrying the old one's name, scopes, limit, expiry and metadata,
// rotatedFrom the old id, shown once; GET /keys lists both.
TEST(E2eKeyLifecycleTest, RotationCopiesTheOldKeysSettings) {
  const json limit{{"limit", 1000}, {"windowSeconds", 60}};
  const std::string expiresAt = formatIso8601(std::chrono::system_clock::now() + 24h);
  const Owned o = ownedKey(
      "copy",
      {{"name", "copied"}, {"scopes", {"reports:read", "b.scope"}}, {"rateLimit", limit}, {"expiresAt", expiresAt}});
  ASSERT_FALSE(o.key.key.empty());
  const json metadata{{"team", "payments"}, {"tier", 2}};
  ASSERT_TRUE(bodyOf(patchKey(o.account, o.key.id, {{"metadata", metadata}}), 200, "PATCH metadata").is_object());
  const json fresh = bodyOf(rotateKey(o.account, o.key.id, {{"gracePeriodSeconds", 60}}), 201, "rotate");
  ASSERT_TRUE(fresh.is_object());
  for (const char* f : {"id", "key", "name", "prefix", "scopes", "rateLimit", "expiresAt", "createdAt", "enabled",
                        "metadata", "credits", "rotatedFrom"}) {
    EXPECT_TRUE(fresh.contains(f)) << "no " << f << ": " << fresh;
  }
  const std::string newKey = fresh.value("key", "");
  EXPECT_NE(fresh.value("id", ""), o.key.id) << fresh;
  EXPECT_NE(newKey, o.key.key) << fresh;
  EXPECT_TRUE(!fresh.value("prefix", "").empty() && newKey.starts_with(fresh.value("prefix", ""))) << fresh;
  EXPECT_EQ(fresh["rotatedFrom"], o.key.id) << fresh;
  EXPECT_EQ(fresh["name"], "copied") << fresh;
  EXPECT_EQ(fresh["scopes"], json({"reports:read", "b.scope"})) << fresh;
  EXPECT_EQ(fresh["rateLimit"], limit) << fresh;
  EXPECT_EQ(fresh["expiresAt"], o.key.created["expiresAt"]) << fresh;
  EXPECT_EQ(fresh["metadata"], metadata) << fresh;
  EXPECT_EQ(fresh["enabled"], true) << fresh;
  EXPECT_TRUE(fresh["credits"].is_null()) << fresh;

  const json listed = listKeys(o.account);
  ASSERT_TRUE(listed.is_array());
  EXPECT_EQ(listed.size(), 2u) << listed;
  const json got = bodyOf(getKey(o.account, fresh.value("id", "")), 200, "GET the new key");
  EXPECT_TRUE(isKeyObject(got));
  EXPECT_EQ(got["rotatedFrom"], o.key.id) << got;
  EXPECT_FALSE(got.contains("key")) << "the secret is shown once: " << got;
}

// Rotated with a 2 s grace: old and new key are both valid on both instances during the grace; then the old one is
// refused key_expired on both (not before the grace ends, within 1 s after), and the new one stays valid.
TEST(E2eKeyLifecycleTest, RotationKeepsBothKeysValidDuringGraceThenRetiresTheOld) {
  const Owned o = ownedKey("grace");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const auto asked = std::chrono::steady_clock::now();  // the grace cannot end before asked + 2 s
  const json fresh = bodyOf(rotateKey(o.account, o.key.id, {{"gracePeriodSeconds", 2}}, 1), 201, "rotate");
  const std::string newKey = fresh.value("key", "");
  ASSERT_FALSE(newKey.empty()) << fresh;
  const auto graceEnd = asked + 2s;

  // The new key reaches both instances within 1 s; the old one is still valid everywhere meanwhile.
  EXPECT_TRUE(bothAnswer("service-only", newKey, 200, "", std::chrono::steady_clock::now()));
  for (const int n : {1, 2}) {
    const auto r = viaInstance(n, "service-only", o.key.key);
    if (std::chrono::steady_clock::now() < graceEnd - 100ms) {
      EXPECT_TRUE(nginxIs(r, 200, "")) << "the old key during the grace, instance " << n << ", " << msSince(asked)
                                       << " ms after asking";
      EXPECT_EQ(r ? r->json().value("keyId", "") : "", o.key.id);
    }
  }

  // Until the grace ends the old key is never refused; then both instances refuse it within 1 s.
  std::array<std::optional<int64_t>, 2> refusedAt{};
  std::optional<HttpResult> last;
  while (std::chrono::steady_clock::now() < graceEnd + kPropagation && !(refusedAt[0] && refusedAt[1])) {
    for (const int n : {1, 2}) {
      if (refusedAt[n - 1]) continue;
      last = viaInstance(n, "service-only", o.key.key);
      ASSERT_TRUE(last) << describe(last);
      if (last->status == 200) continue;
      const auto at = std::chrono::steady_clock::now();
      EXPECT_TRUE(nginxIs(last, 401, "key_expired")) << "instance " << n;
      EXPECT_GE(at, graceEnd - 50ms) << "instance " << n << " refused the old key " << msSince(asked)
                                     << " ms after the rotation was asked for, within its 2 s grace";
      refusedAt[n - 1] = msSince(asked);
    }
    std::this_thread::sleep_for(20ms);
  }
  for (const int n : {1, 2}) {
    EXPECT_TRUE(refusedAt[n - 1]) << "instance " << n << " still accepts the old key " << msSince(asked)
                                  << " ms after a rotation with a 2 s grace: " << describe(last);
    EXPECT_TRUE(directIs(verifyKeyOn(n, o.key.key), 401, "key_expired")) << n;
    EXPECT_TRUE(nginxIs(viaInstance(n, "service-only", newKey), 200, "")) << "the new key, instance " << n;
  }
}

// gracePeriodSeconds 0 retires the old key at once: key_expired on both instances within 1 s.
TEST(E2eKeyLifecycleTest, ZeroGraceRetiresTheOldKeyAtOnce) {
  const Owned o = ownedKey("zero");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const json fresh = bodyOf(rotateKey(o.account, o.key.id, {{"gracePeriodSeconds", 0}}, 2), 201, "rotate");
  const auto since = std::chrono::steady_clock::now();
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 401, "key_expired", since));
  EXPECT_TRUE(bothAnswer("service-only", fresh.value("key", ""), 200, "", since));
}

// A grace longer than the old key's own life ends with it: a key expiring in 3 s, rotated with the default day of
// grace, is refused key_expired within 1 s of its own expiry.
TEST(E2eKeyLifecycleTest, GraceNeverOutlivesTheOldKeysExpiry) {
  const auto expiry = std::chrono::steady_clock::now() + 3s;
  const auto expiresAt = std::chrono::system_clock::now() + 3s;
  const Owned o = ownedKey("outlive", {{"name", "short-lived"}, {"expiresAt", formatIso8601(expiresAt)}});
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const json fresh = bodyOf(rotateKey(o.account, o.key.id, json::object()), 201, "rotate");
  EXPECT_EQ(fresh["expiresAt"], o.key.created["expiresAt"]) << "the new key keeps the expiry: " << fresh;
  for (const int n : {1, 2}) {
    EXPECT_TRUE(answersBy(n, "service-only", o.key.key, 401, "key_expired", expiry, kPropagation));
  }
}

// A key already rotated cannot be rotated again (409 conflict), whichever instance is asked; its successor can.
TEST(E2eKeyLifecycleTest, SecondRotationIs409) {
  const Owned o = ownedKey("twice");
  ASSERT_FALSE(o.key.key.empty());
  const json first = bodyOf(rotateKey(o.account, o.key.id, json::object(), 1), 201, "first rotation");
  for (const int n : {1, 2}) {
    EXPECT_TRUE(isError(rotateKey(o.account, o.key.id, json::object(), n), 409, "conflict")) << "instance " << n;
  }
  EXPECT_EQ(listKeys(o.account).size(), 2u) << "a refused rotation made no key";
  const json second = bodyOf(rotateKey(o.account, first.value("id", ""), json::object()), 201, "rotate the new key");
  EXPECT_EQ(second["rotatedFrom"], first.value("id", "")) << second;
}

// A revoked key cannot be rotated: 409 conflict, and no key is made.
TEST(E2eKeyLifecycleTest, RotatingARevokedKeyIs409) {
  const Owned o = ownedKey("revoked");
  ASSERT_FALSE(o.key.key.empty());
  const auto del = request(testEnv().nginxPort, "DELETE", "/keys/" + o.key.id, bearer(o.account.accessToken));
  ASSERT_TRUE(del && del->status == 200) << describe(del);
  EXPECT_TRUE(isError(rotateKey(o.account, o.key.id, json::object()), 409, "conflict"));
  EXPECT_EQ(listKeys(o.account).size(), 1u);
}

// An expired key cannot be rotated: 409 conflict, and no key is made.
TEST(E2eKeyLifecycleTest, RotatingAnExpiredKeyIs409) {
  const Owned o = ownedKey("expired");
  ASSERT_FALSE(o.key.key.empty());
  ASSERT_EQ(execSql("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid", o.key.id), 1);
  EXPECT_TRUE(isError(rotateKey(o.account, o.key.id, json::object()), 409, "conflict"));
  EXPECT_EQ(listKeys(o.account).size(), 1u);
}

// Two rotations of one key at once, one through each instance: exactly one 201, the other 409; one successor.
TEST(E2eKeyLifecycleTest, ConcurrentRotationsExactlyOneWins) {
  const Account a = signup(testEnv().nginxPort, "e2e-life-race");
  ASSERT_FALSE(a.id.empty());
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    const Key k = createKey(testEnv().nginxPort, a, {{"name", "race-" + std::to_string(round)}});
    ASSERT_FALSE(k.id.empty());
    std::latch start(2);
    std::array<std::optional<HttpResult>, 2> answers;
    std::vector<std::thread> threads;
    for (const int n : {1, 2}) {
      threads.emplace_back([&, n] {
        start.arrive_and_wait();
        answers[n - 1] = rotateKey(a, k.id, {{"gracePeriodSeconds", 60}}, n);
      });
    }
    for (auto& t : threads) t.join();
    int won = 0;
    int conflicts = 0;
    for (const auto& r : answers) {
      if (r && r->status == 201) ++won;
      else if (isError(r, 409, "conflict")) ++conflicts;
      else ADD_FAILURE() << "round " << round << ": neither 201 nor 409 conflict: " << describe(r);
    }
    EXPECT_EQ(won, 1) << "round " << round << ": " << describe(answers[0]) << " | " << describe(answers[1]);
    EXPECT_EQ(conflicts, 1) << "round " << round;
  }
  const json listed = listKeys(a);
  ASSERT_TRUE(listed.is_array());
  EXPECT_EQ(listed.size(), 2u * kRounds) << "one successor per rotated key: " << listed;
}

// ---- Leak reports ------------------------------------------------------------------------

// A leak report with the key in x-api-key (no JWT, no body): 202, and both instances refuse the key key_disabled
// within 1 s; its owner sees disabledReason "leaked".
TEST(E2eKeyLifecycleTest, LeakReportInHeaderDisablesTheKeyEverywhere) {
  const Owned o = ownedKey("leak-header");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const auto r = reportLeak(uniqueLoopbackAddress(), o.key.key);
  const auto since = std::chrono::steady_clock::now();
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->status, 202) << *r;
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 401, "key_disabled", since));
  for (const int n : {1, 2}) EXPECT_TRUE(directIs(verifyKeyOn(n, o.key.key), 401, "key_disabled")) << n;
  const json got = bodyOf(getKey(o.account, o.key.id), 200, "GET the leaked key");
  EXPECT_EQ(got.value("enabled", true), false) << got;
  EXPECT_EQ(got["disabledReason"], "leaked") << got;
}

// The same with the key in the body ({key}).
TEST(E2eKeyLifecycleTest, LeakReportInBodyDisablesTheKeyEverywhere) {
  const Owned o = ownedKey("leak-body");
  ASSERT_FALSE(o.key.key.empty());
  warm("service-only", o.key.key);
  const auto r = reportLeak(uniqueLoopbackAddress(), std::nullopt, json{{"key", o.key.key}}.dump());
  const auto since = std::chrono::steady_clock::now();
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->status, 202) << *r;
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 401, "key_disabled", since));
  const json got = bodyOf(getKey(o.account, o.key.id), 200, "GET the leaked key");
  EXPECT_EQ(got.value("enabled", true), false) << got;
  EXPECT_EQ(got["disabledReason"], "leaked") << got;
}

// No oracle: garbage, a wrong checksum and a well-formed key never issued are all answered 202, in the header and in
// the body, and a real key of someone else is untouched by them.
TEST(E2eKeyLifecycleTest, LeakReportsAnswer202ForGarbageAndUnknownKeys) {
  const Owned o = ownedKey("leak-garbage");
  ASSERT_FALSE(o.key.key.empty());
  std::string badSum = o.key.key;
  badSum.back() = badSum.back() == '0' ? '1' : '0';
  const std::string source = uniqueLoopbackAddress();
  for (const std::string& key : {std::string("garbage"), badSum, unknownWellFormedKey()}) {
    const auto h = reportLeak(source, key);
    EXPECT_TRUE(h && h->status == 202) << "x-api-key: " << key << ": " << describe(h);
    const auto b = reportLeak(source, std::nullopt, json{{"key", key}}.dump());
    EXPECT_TRUE(b && b->status == 202) << "body key " << key << ": " << describe(b);
  }
  EXPECT_TRUE(bothAnswer("service-only", o.key.key, 200, "", std::chrono::steady_clock::now()));
}

// The limit per client address (LEAK_REPORT_LIMIT in the stack's settings, default 10, per LEAK_REPORT_WINDOW):
// that many reports from one address are 202, the next is 429 too_many_requests; another address is still served.
TEST(E2eKeyLifecycleTest, LeakReportsAreRateLimitedPerAddress) {
  int limit = 10;
  {
    std::ifstream in(testEnv().stateDir + "/stack.env");
    std::ostringstream text;
    text << in.rdbuf();
    const auto env = config::parseDotenv(text.str());
    ASSERT_TRUE(env) << "stack.env: " << env.error();
    if (const auto it = env->find("LEAK_REPORT_LIMIT"); it != env->end()) limit = std::stoi(it->second);
  }
  const std::string source = uniqueLoopbackAddress();
  for (int i = 0; i < limit; ++i) {
    const auto r = reportLeak(source, unknownWellFormedKey());
    ASSERT_TRUE(r && r->status == 202) << "report " << i + 1 << " of " << limit << " from " << source << ": "
                                       << describe(r);
  }
  EXPECT_TRUE(isError(reportLeak(source, unknownWellFormedKey()), 429, "too_many_requests"))
      << "report " << limit + 1 << " from " << source;
  const std::string another = uniqueLoopbackAddress();
  ASSERT_NE(another, source);
  const auto r = reportLeak(another, unknownWellFormedKey());
  EXPECT_TRUE(r && r->status == 202) << "another address, " << another << ": " << describe(r);
}

}  // namespace
}  // namespace authd::testing
