// The usage read API through nginx, over key_usage rows seeded straight into
// the stack's PostgreSQL (as the usage flush would write them): buckets summed
// per minute, hour and day in UTC, every bucket of the range zero-filled, the
// per-key totals of GET /usage, 404 for another user's key, 400 for bad ranges.
// The rows lie days before now, so nothing the stack counts live mixes in.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/time_format.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using Counts = std::array<int64_t, 7>;  // valid, rate_limited, usage_exceeded, disabled, expired, revoked, other

constexpr int64_t kMinute = 60, kHour = 3600, kDay = 86400;

// Midnight UTC three days ago (unix s): inside any retention, far from the live counts of now.
int64_t baseDay() { return (nowMs() / 1000 / kDay - 3) * kDay; }

std::string iso(int64_t unixSeconds) { return formatIso8601(SysTime(std::chrono::seconds(unixSeconds))); }

std::string range(int64_t from, int64_t to, std::string_view granularity) {
  return "?from=" + iso(from) + "&to=" + iso(to) + "&granularity=" + std::string(granularity);
}

// The 200 body; a discarded value (and a failed test) otherwise.
json ok(const std::optional<HttpResult>& r) {
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  if (!r || r->status != 200) return json(json::value_t::discarded);
  return r->json();
}

struct Ann {
  Account account;
  Key first, second;
};

Ann annWithTwoKeys(std::string_view tag) {
  Ann a;
  a.account = signup(testEnv().nginxPort, "e2e-usage-" + std::string(tag));
  if (a.account.id.empty()) return a;
  a.first = createKey(testEnv().nginxPort, a.account, {{"name", "first"}});
  a.second = createKey(testEnv().nginxPort, a.account, {{"name", "second"}});
  return a;
}

// One key's minutes summed per hour, minute and day, every bucket listed (zeros included), with all nine counts;
// the same answer from each instance.
TEST(E2eUsageApiTest, KeyUsageBucketsAreSummedAndZeroFilled) {
  const Ann a = annWithTwoKeys("buckets");
  ASSERT_FALSE(a.second.id.empty());
  const int64_t day = baseDay();
  ASSERT_TRUE(seedUsage(a.first.id, day + 10 * kHour + 5 * kMinute, {5, 1, 2, 1, 2, 3, 4}));
  ASSERT_TRUE(seedUsage(a.first.id, day + 10 * kHour + 59 * kMinute, {1, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(seedUsage(a.first.id, day + 12 * kHour, {7, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(seedUsage(a.second.id, day + 10 * kHour, {100, 0, 0, 0, 0, 0, 0}));

  // 09:30 to 12:10 by hour: 09:00, 10:00, 11:00, 12:00.
  const std::string q = range(day + 9 * kHour + 30 * kMinute, day + 12 * kHour + 10 * kMinute, "hour");
  const json b = ok(getKeyUsage(a.account, a.first.id, q));
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["keyId"], a.first.id);
  EXPECT_EQ(b["granularity"], "hour");
  EXPECT_EQ(b["from"], iso(day + 9 * kHour));
  EXPECT_EQ(b["to"], iso(day + 13 * kHour));
  ASSERT_EQ(b["buckets"].size(), 4u) << b.dump();
  EXPECT_EQ(b["buckets"][0], (json{{"start", iso(day + 9 * kHour)},
                                   {"valid", 0},
                                   {"rateLimited", 0},
                                   {"usageExceeded", 0},
                                   {"denied", 0},
                                   {"disabled", 0},
                                   {"expired", 0},
                                   {"revoked", 0},
                                   {"other", 0}}));
  EXPECT_EQ(b["buckets"][1], (json{{"start", iso(day + 10 * kHour)},
                                   {"valid", 6},
                                   {"rateLimited", 1},
                                   {"usageExceeded", 2},
                                   {"denied", 10},
                                   {"disabled", 1},
                                   {"expired", 2},
                                   {"revoked", 3},
                                   {"other", 4}}));
  EXPECT_EQ(b["buckets"][2]["valid"], 0);
  EXPECT_EQ(b["buckets"][3]["start"], iso(day + 12 * kHour));
  EXPECT_EQ(b["buckets"][3]["valid"], 7);
  for (const int n : {1, 2}) EXPECT_EQ(ok(getKeyUsage(a.account, a.first.id, q, n)), b) << "instance " << n;
  // The same query as a browser's URLSearchParams writes it (":" as %3A) is the same query.
  std::string encoded;
  for (const char c : q) encoded += c == ':' ? std::string("%3A") : std::string(1, c);
  EXPECT_EQ(ok(getKeyUsage(a.account, a.first.id, encoded)), b) << encoded;

  // By minute: 10:04 to 10:07 is three buckets, only 10:05 used.
  const json m = ok(getKeyUsage(a.account, a.first.id,
                                range(day + 10 * kHour + 4 * kMinute, day + 10 * kHour + 7 * kMinute, "minute")));
  ASSERT_EQ(m["buckets"].size(), 3u) << m.dump();
  EXPECT_EQ(m["buckets"][0]["valid"], 0);
  EXPECT_EQ(m["buckets"][1]["start"], iso(day + 10 * kHour + 5 * kMinute));
  EXPECT_EQ(m["buckets"][1]["valid"], 5);
  EXPECT_EQ(m["buckets"][2]["valid"], 0);

  // By day: the whole day in one bucket, the next day at zero.
  const json d = ok(getKeyUsage(a.account, a.first.id, range(day, day + 2 * kDay, "day")));
  ASSERT_EQ(d["buckets"].size(), 2u) << d.dump();
  EXPECT_EQ(d["buckets"][0]["valid"], 13);
  EXPECT_EQ(d["buckets"][0]["denied"], 10);
  EXPECT_EQ(d["buckets"][1]["valid"], 0);
}

// A key never used: every bucket at zero, not a 404.
TEST(E2eUsageApiTest, UnusedKeyIsAllZeros) {
  const Ann a = annWithTwoKeys("unused");
  ASSERT_FALSE(a.first.id.empty());
  const int64_t day = baseDay();
  const json b = ok(getKeyUsage(a.account, a.first.id, range(day, day + kHour, "minute")));
  ASSERT_EQ(b["buckets"].size(), 60u);
  for (const auto& bucket : b["buckets"]) EXPECT_EQ(bucket["valid"], 0);
  // The default range is the last 24 h by hour: 25 buckets.
  EXPECT_EQ(ok(getKeyUsage(a.account, a.first.id, ""))["buckets"].size(), 25u);
}

// GET /usage: buckets summed over the user's keys, each used key's totals (with its name, newest key first), and
// nothing of another user's keys.
TEST(E2eUsageApiTest, UserUsageSumsTheUsersKeys) {
  const Ann a = annWithTwoKeys("user");
  const Account bob = signup(testEnv().nginxPort, "e2e-usage-bob");
  ASSERT_FALSE(a.second.id.empty());
  ASSERT_FALSE(bob.id.empty());
  const Key bobs = createKey(testEnv().nginxPort, bob, {{"name", "bobs"}});
  ASSERT_FALSE(bobs.id.empty());
  const int64_t day = baseDay();
  ASSERT_TRUE(seedUsage(a.first.id, day + kHour, {2, 1, 0, 0, 1, 0, 0}));
  ASSERT_TRUE(seedUsage(a.second.id, day + kHour + kMinute, {3, 0, 1, 0, 0, 0, 2}));
  ASSERT_TRUE(seedUsage(a.first.id, day + 3 * kHour, {1, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(seedUsage(bobs.id, day + kHour, {100, 0, 0, 0, 0, 0, 0}));

  const json b = ok(getUsage(a.account, range(day, day + 4 * kHour, "hour")));
  ASSERT_TRUE(b.is_object());
  EXPECT_FALSE(b.contains("keyId"));
  ASSERT_EQ(b["buckets"].size(), 4u) << b.dump();
  EXPECT_EQ(b["buckets"][0]["valid"], 0);
  EXPECT_EQ(b["buckets"][1]["valid"], 5);
  EXPECT_EQ(b["buckets"][1]["rateLimited"], 1);
  EXPECT_EQ(b["buckets"][1]["usageExceeded"], 1);
  EXPECT_EQ(b["buckets"][1]["denied"], 3);
  EXPECT_EQ(b["buckets"][2]["valid"], 0);
  EXPECT_EQ(b["buckets"][3]["valid"], 1);
  EXPECT_EQ(b["keys"], (json{{{"keyId", a.second.id},
                              {"name", "second"},
                              {"valid", 3},
                              {"rateLimited", 0},
                              {"usageExceeded", 1},
                              {"denied", 2}},
                             {{"keyId", a.first.id},
                              {"name", "first"},
                              {"valid", 3},
                              {"rateLimited", 1},
                              {"usageExceeded", 0},
                              {"denied", 1}}}))
      << b.dump();

  // Only the range counts: an hour with only the second key's row lists only that key.
  const json one = ok(getUsage(a.account, range(day + kHour + kMinute, day + kHour + 2 * kMinute, "minute")));
  ASSERT_EQ(one["keys"].size(), 1u) << one.dump();
  EXPECT_EQ(one["keys"][0]["keyId"], a.second.id);
  // Bob sees only his own.
  const json bobsView = ok(getUsage(bob, range(day, day + 4 * kHour, "hour")));
  ASSERT_EQ(bobsView["keys"].size(), 1u);
  EXPECT_EQ(bobsView["keys"][0]["keyId"], bobs.id);
  EXPECT_EQ(bobsView["buckets"][1]["valid"], 100);

  // perKey=true: each key's own buckets, zero-filled, with the same totals.
  const json per = ok(getUsage(a.account, range(day, day + 4 * kHour, "hour") + "&perKey=true"));
  ASSERT_EQ(per["keys"].size(), 2u) << per.dump();
  const auto validOf = [](const json& key) {
    std::vector<int64_t> out;
    for (const auto& bucket : key["buckets"]) out.push_back(bucket["valid"].get<int64_t>());
    return out;
  };
  EXPECT_EQ(per["keys"][0]["keyId"], a.second.id);
  EXPECT_EQ(validOf(per["keys"][0]), (std::vector<int64_t>{0, 3, 0, 0})) << per.dump();
  EXPECT_EQ(validOf(per["keys"][1]), (std::vector<int64_t>{0, 2, 0, 1})) << per.dump();
  EXPECT_EQ(per["keys"][0]["buckets"][1],
            (json{{"start", iso(day + kHour)}, {"valid", 3}, {"rateLimited", 0}, {"usageExceeded", 1}, {"denied", 2}}));
  EXPECT_EQ(per["keys"][0]["valid"], 3);
  EXPECT_FALSE(b["keys"][0].contains("buckets")) << "only when asked";
  EXPECT_TRUE(isValidationError(getUsage(a.account, range(day, day + 169 * kHour, "hour") + "&perKey=true"), ""));
  EXPECT_TRUE(isValidationError(getUsage(a.account, range(day, day + kHour, "hour") + "&perKey=yes"), ""));
}

// Another user's key and an unknown id are the same 404 not_found; a malformed id is 400 invalid_id; no JWT is 401.
TEST(E2eUsageApiTest, OnlyTheCallersKeys) {
  const Ann a = annWithTwoKeys("owner");
  const Account bob = signup(testEnv().nginxPort, "e2e-usage-owner-bob");
  ASSERT_FALSE(a.first.id.empty());
  ASSERT_TRUE(seedUsage(a.first.id, baseDay(), {1, 0, 0, 0, 0, 0, 0}));
  const auto other = getKeyUsage(bob, a.first.id, "");
  const auto unknown = getKeyUsage(bob, "00000000-0000-4000-8000-0000000000ff", "");
  EXPECT_TRUE(isError(other, 404, "not_found"));
  EXPECT_TRUE(isError(unknown, 404, "not_found"));
  ASSERT_TRUE(other && unknown);
  EXPECT_EQ(other->body, unknown->body);
  EXPECT_TRUE(isError(getKeyUsage(a.account, "not-a-uuid", ""), 400, "invalid_id"));
  EXPECT_TRUE(isError(get(testEnv().nginxPort, "/usage"), 401, "missing_credentials"));
  EXPECT_TRUE(isError(get(testEnv().nginxPort, "/keys/" + a.first.id + "/usage"), 401, "missing_credentials"));
}

// Bad ranges are 400 validation_failed on both routes; exactly 1500 buckets is 200, 1501 is 400.
TEST(E2eUsageApiTest, BadRangesAre400) {
  const Ann a = annWithTwoKeys("ranges");
  ASSERT_FALSE(a.first.id.empty());
  const int64_t day = baseDay();
  for (const std::string& q :
       {std::string("?from=yesterday"), std::string("?to=2026-13-01T00:00:00Z"), std::string("?from="),
        std::string("?granularity=week"), range(day + kHour, day + kHour, "hour"), range(day + 2 * kHour, day, "hour"),
        range(day, day + 1501 * kMinute, "minute")}) {
    SCOPED_TRACE(q);
    EXPECT_TRUE(isValidationError(getKeyUsage(a.account, a.first.id, q), ""));
    EXPECT_TRUE(isValidationError(getUsage(a.account, q), ""));
  }
  EXPECT_EQ(ok(getKeyUsage(a.account, a.first.id, range(day, day + 1500 * kMinute, "minute")))["buckets"].size(),
            1500u);
  EXPECT_EQ(ok(getUsage(a.account, range(day, day + 1500 * kMinute, "minute")))["buckets"].size(), 1500u);
}

}  // namespace
}  // namespace authd::testing
