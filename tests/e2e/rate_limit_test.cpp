// Per-key rate limits end to end: a key with {limit: 5, windowSeconds: 60}
// through nginx counts down in RateLimit-* headers and then answers 429 with
// Retry-After; the counter lives in Redis, so both authd instances (asked
// directly) and nginx share it. Each test signs up its own user and key.
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
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
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kLimit = 5;
constexpr int kWindowSeconds = 60;

// A header as an integer; nullopt when absent or not a plain integer.
std::optional<long> intHeader(const HttpResult& r, std::string_view name) {
  const std::string v = r.header(name);
  long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size()) return std::nullopt;
  return n;
}

// Windows are aligned to the epoch (now / windowSeconds): a test that starts in the last seconds of a window
// would see its count move into the previous window's (weighted) share half-way. Start early in a window instead.
void avoidWindowEdge() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto intoWindow = std::chrono::duration_cast<std::chrono::milliseconds>(now) % (kWindowSeconds * 1000);
  if (intoWindow > std::chrono::milliseconds((kWindowSeconds - 5) * 1000)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kWindowSeconds * 1000) - intoWindow + 200ms);
  }
}

struct LimitedKey {
  std::string userId;
  std::string id;
  std::string key;
};

// A fresh user with one key limited to kLimit requests per kWindowSeconds.
LimitedKey newLimitedKey(std::string_view tag) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-rl-" + std::string(tag));
  if (a.id.empty()) return {};
  const Key k = createKnownKey(
      port, a, {{"name", "limited"}, {"rateLimit", {{"limit", kLimit}, {"windowSeconds", kWindowSeconds}}}});
  if (k.key.empty()) return {};
  EXPECT_EQ(k.created["rateLimit"], json({{"limit", kLimit}, {"windowSeconds", kWindowSeconds}})) << k.created;
  return {a.id, k.id, k.key};
}

// The RateLimit-* headers: Limit = kLimit, Remaining = `remaining`, Reset within the window.
::testing::AssertionResult hasRateHeaders(const HttpResult& r, long remaining) {
  const auto limit = intHeader(r, "ratelimit-limit");
  const auto left = intHeader(r, "ratelimit-remaining");
  const auto reset = intHeader(r, "ratelimit-reset");
  if (limit != kLimit || left != remaining || !reset || *reset < 1 || *reset > kWindowSeconds) {
    return ::testing::AssertionFailure() << "RateLimit-Limit '" << r.header("ratelimit-limit") << "' (want " << kLimit
                                         << "), RateLimit-Remaining '" << r.header("ratelimit-remaining") << "' (want "
                                         << remaining << "), RateLimit-Reset '" << r.header("ratelimit-reset")
                                         << "' (want 1.." << kWindowSeconds << "): " << r;
  }
  return ::testing::AssertionSuccess();
}

// The client-facing 429: JSON error shape, code rate_limited, Retry-After >= 1 and the rate-limit headers.
::testing::AssertionResult isRateLimited(const std::optional<HttpResult>& r) {
  if (!r) return ::testing::AssertionFailure() << describe(r);
  if (r->status != 429) return ::testing::AssertionFailure() << "expected 429, got " << *r;
  if (!r->header("content-type").starts_with("application/json"))
    return ::testing::AssertionFailure() << "Content-Type '" << r->header("content-type") << "': " << *r;
  const json j = r->json();
  if (!j.is_object() || j.size() != 4 || j.value("statusCode", 0) != 429 || j.value("code", "") != "rate_limited" ||
      j.value("error", "") != "Too Many Requests" || j.value("message", "") != "Rate limit exceeded") {
    return ::testing::AssertionFailure() << "not the rate_limited error shape: " << *r;
  }
  // A sliding window: up to the rest of this window plus the share of it that must slide out of the next.
  const auto retry = intHeader(*r, "retry-after");
  if (!retry || *retry < 1 || *retry > 2 * kWindowSeconds)
    return ::testing::AssertionFailure() << "Retry-After '" << r->header("retry-after") << "': " << *r;
  return hasRateHeaders(*r, 0);
}

// Five requests pass with RateLimit-Remaining 4, 3, 2, 1, 0; the sixth and later are 429 with Retry-After; the
// other routes that accept keys share the same counter.
TEST(E2eRateLimitTest, CountsDownThenAnswers429) {
  avoidWindowEdge();
  const LimitedKey k = newLimitedKey("countdown");
  ASSERT_FALSE(k.key.empty());
  const Headers h{{"x-api-key", k.key}};
  const uint16_t port = testEnv().nginxPort;
  for (int i = 0; i < kLimit; ++i) {
    const auto r = get(port, "/protected/service-only", h);
    ASSERT_TRUE(r) << describe(r);
    ASSERT_EQ(r->status, 200) << "request " << i + 1 << ": " << *r;
    const json j = r->json();
    EXPECT_EQ(j.value("authType", ""), "apiKey") << *r;
    EXPECT_EQ(j.value("keyId", ""), k.id) << *r;
    EXPECT_EQ(j.value("userId", ""), k.userId) << *r;
    EXPECT_TRUE(hasRateHeaders(*r, kLimit - 1 - i)) << "request " << i + 1;
  }
  EXPECT_TRUE(isRateLimited(get(port, "/protected/service-only", h))) << "request " << kLimit + 1;
  EXPECT_TRUE(isRateLimited(get(port, "/protected/service-only", {{"Authorization", "Bearer " + k.key}})))
      << "as Bearer";
  EXPECT_TRUE(isRateLimited(get(port, "/protected/flexible", h))) << "flexible shares the counter";
}

// The limit is per key: another key of the same user is not slowed down by the first one's exhaustion.
TEST(E2eRateLimitTest, LimitIsPerKey) {
  avoidWindowEdge();
  const LimitedKey a = newLimitedKey("perkey-a");
  const LimitedKey b = newLimitedKey("perkey-b");
  ASSERT_FALSE(a.key.empty());
  ASSERT_FALSE(b.key.empty());
  const uint16_t port = testEnv().nginxPort;
  for (int i = 0; i < kLimit; ++i) {
    const auto r = get(port, "/protected/service-only", {{"x-api-key", a.key}});
    ASSERT_TRUE(r && r->status == 200) << describe(r);
  }
  EXPECT_TRUE(isRateLimited(get(port, "/protected/service-only", {{"x-api-key", a.key}})));
  const auto other = get(port, "/protected/service-only", {{"x-api-key", b.key}});
  ASSERT_TRUE(other) << describe(other);
  EXPECT_EQ(other->status, 200) << *other;
  EXPECT_TRUE(hasRateHeaders(*other, kLimit - 1));
}

// One counter for the whole fleet: requests spread over authd instance 1 and 2 (their /verify, directly) and
// nginx are allowed kLimit times in total, not per instance. Denials on /verify are 403 rate_limited with
// Retry-After and the rate-limit headers (nginx turns them into 429).
TEST(E2eRateLimitTest, CounterIsSharedByBothInstancesAndNginx) {
  avoidWindowEdge();
  const LimitedKey k = newLimitedKey("shared");
  ASSERT_FALSE(k.key.empty());
  const Headers h{{"x-api-key", k.key}};
  const TestEnv& env = testEnv();
  int allowed = 0;
  int denied = 0;
  for (int i = 0; i < 15; ++i) {
    const int target = i % 3;  // 0: instance 1, 1: instance 2, 2: nginx
    std::optional<HttpResult> r;
    if (target == 2) {
      r = get(env.nginxPort, "/protected/service-only", h);
    } else {
      r = verifyOn(target + 1, "?mode=apikey", h);
    }
    ASSERT_TRUE(r) << describe(r);
    const std::string where = target == 2 ? "nginx" : "instance " + std::to_string(target + 1);
    if (r->status == 200) {
      ++allowed;
      EXPECT_LE(allowed, kLimit) << "request " << i + 1 << " on " << where << " allowed past the limit: " << *r;
      EXPECT_TRUE(hasRateHeaders(*r, kLimit - allowed)) << "request " << i + 1 << " on " << where;
      if (target != 2) {
        EXPECT_EQ(r->header("x-key-id"), k.id) << *r;
        EXPECT_TRUE(r->body.empty()) << *r;
      }
      continue;
    }
    ++denied;
    EXPECT_GE(i, kLimit) << "request " << i + 1 << " on " << where << " denied before the limit: " << *r;
    if (target == 2) {
      EXPECT_TRUE(isRateLimited(r)) << "request " << i + 1;
    } else {
      EXPECT_EQ(r->status, 403) << where << ": " << *r;
      EXPECT_EQ(r->header("x-auth-error"), "rate_limited") << where << ": " << *r;
      const auto retry = intHeader(*r, "retry-after");
      EXPECT_TRUE(retry && *retry >= 1 && *retry <= 2 * kWindowSeconds)
          << "Retry-After '" << r->header("retry-after") << "' on " << where;
      EXPECT_TRUE(hasRateHeaders(*r, 0)) << where;
      EXPECT_TRUE(r->body.empty()) << where << ": " << *r;
      EXPECT_TRUE(r->header("x-user-id").empty()) << "identity on a denial: " << *r;
    }
  }
  EXPECT_EQ(allowed, kLimit);
  EXPECT_EQ(denied, 15 - kLimit);
}

// A key without a limit (the test stack's default is unlimited) sends no rate-limit headers and is never throttled.
TEST(E2eRateLimitTest, UnlimitedKeyHasNoRateHeaders) {
  const uint16_t port = testEnv().nginxPort;
  const std::string email = uniqueEmail("e2e-rl-unlimited");
  const auto up = postJson(port, "/auth/signup", {{"email", email}, {"password", "rate-limit-pw-123"}, {"name", "U"}});
  ASSERT_TRUE(up && up->status == 201) << describe(up);
  const auto created = postJson(port, "/keys/create", {{"name", "unlimited"}},
                                {{"Authorization", "Bearer " + up->json()["accessToken"].get<std::string>()}});
  ASSERT_TRUE(created && created->status == 201) << describe(created);
  EXPECT_TRUE(created->json()["rateLimit"].is_null()) << *created;
  const Headers h{{"x-api-key", created->json()["key"].get<std::string>()}};
  ASSERT_TRUE(knownEverywhere(created->json()["key"].get<std::string>())) << "a new key is still unknown after 2 s";
  for (int i = 0; i < 3 * kLimit; ++i) {
    const auto r = get(port, "/protected/service-only", h);
    ASSERT_TRUE(r) << describe(r);
    ASSERT_EQ(r->status, 200) << "request " << i + 1 << ": " << *r;
    EXPECT_EQ(r->header("ratelimit-limit"), "") << *r;
    EXPECT_EQ(r->header("ratelimit-remaining"), "") << *r;
  }
}

}  // namespace
}  // namespace authd::testing
