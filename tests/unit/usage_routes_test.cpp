// GET /keys/:id/usage and GET /usage through the route table, over a real
// UsageService on in-memory keys and usage, a real JwtAuthenticator and
// UserStatusCache: who may call them, the JSON shapes (every bucket, zeros
// included; totals per key), and the 400s and 404s.
#include "http/usage_routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "support/fakes/fake_key_repository.hpp"
#include "support/fakes/fake_key_stores.hpp"
#include "support/fakes/fake_usage_reader.hpp"
#include "support/route_auth.hpp"
#include "support/routes.hpp"

namespace authd::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::bodyOf;
using testing::expectError;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kBob = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
constexpr std::string_view kSomeKey = "sk_live_0123456789abcdef0123456789abcdef01234567";

int64_t unixOf(std::string_view iso) { return toUnixSeconds(parseIso8601(iso).value_or(SysTime{})); }

std::vector<std::string> keysOf(const json& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) out.push_back(k);
  return out;
}

class UsageRoutesTest : public ::testing::Test {
 protected:
  UsageRoutesTest() {
    clock_.set(parseIso8601("2026-03-10T12:34:56Z").value());
    auth_.statuses.active[std::string(kAnn)] = true;
    auth_.statuses.active[std::string(kBob)] = true;
    addUsageRoutes(router_, service_, auth_.jwt, auth_.users, clock_);
  }

  HttpResponse call(std::string path, Query query = {}, std::optional<std::string> authorization = std::nullopt) {
    HttpRequest req;
    req.method = Method::kGet;
    req.path = std::move(path);
    req.query = std::move(query);
    testing::setHeader(req, Hdr::kAuthorization, std::move(authorization));
    return testing::dispatch(router_, req);
  }
  HttpResponse as(std::string_view user, std::string path, Query query = {}) {
    return call(std::move(path), std::move(query), auth_.bearer(user));
  }
  std::string keyOf(std::string_view user, std::string name) {
    keys::CreateKeyRequest req;
    req.name = std::move(name);
    auto k = repo_.insert(user, req, std::string(64, 'a'), "sk_test");
    EXPECT_TRUE(k.has_value());
    return k ? k->id : "";
  }
  void use(std::string_view user, const std::string& key, std::string_view minute, keys::UsageCounts c,
           std::string name = "k") {
    reader_.rows.push_back({std::string(user), key, std::move(name), unixOf(minute), c});
  }

  FakeClock clock_;
  testing::FakeKeyRepository repo_;
  testing::FakeUsageReader reader_;
  keys::UsageService service_{repo_, reader_};
  testing::RouteAuth auth_{clock_};
  Router router_;
};

const std::vector<std::string> kBucketFields{"denied",  "disabled", "expired",       "other", "rateLimited",
                                             "revoked", "start",    "usageExceeded", "valid"};

// Both routes are GETs on the worker pool (they read PostgreSQL).
TEST_F(UsageRoutesTest, RoutesAreRegisteredOnTheWorkerPool) {
  std::vector<std::pair<Method, std::string>> seen;
  for (const auto& r : router_.routes()) {
    seen.emplace_back(r.method, r.pattern);
    EXPECT_EQ(r.exec, Exec::kWorker) << r.pattern;
  }
  const std::vector<std::pair<Method, std::string>> expected{{Method::kGet, "/keys/:id/usage"},
                                                             {Method::kGet, "/usage"}};
  EXPECT_EQ(seen, expected);
}

// A key's usage: {keyId, granularity, from, to, buckets}, the range aligned, every bucket with all nine fields,
// denied = disabled + expired + revoked + other, zeros where the key was not used; logged as the user.
TEST_F(UsageRoutesTest, KeyUsageAnswersEveryBucket) {
  const std::string id = keyOf(kAnn, "ci");
  use(kAnn, id, "2026-03-10T10:05:00Z", {5, 1, 2, 1, 2, 3, 4});
  use(kAnn, id, "2026-03-10T10:59:00Z", {1, 0, 0, 0, 0, 0, 0});
  use(kAnn, id, "2026-03-10T12:00:00Z", {7, 0, 0, 0, 0, 0, 0});
  const HttpResponse r =
      as(kAnn, "/keys/" + id + "/usage",
         {{"from", "2026-03-10T09:30:00Z"}, {"to", "2026-03-10T12:10:00Z"}, {"granularity", "hour"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), (std::vector<std::string>{"buckets", "from", "granularity", "keyId", "to"}));
  EXPECT_EQ(b["keyId"], id);
  EXPECT_EQ(b["granularity"], "hour");
  EXPECT_EQ(b["from"], "2026-03-10T09:00:00.000Z");
  EXPECT_EQ(b["to"], "2026-03-10T13:00:00.000Z");
  ASSERT_EQ(b["buckets"].size(), 4u) << r.body;
  for (const auto& bucket : b["buckets"]) EXPECT_EQ(keysOf(bucket), kBucketFields);
  EXPECT_EQ(b["buckets"][0]["start"], "2026-03-10T09:00:00.000Z");
  EXPECT_EQ(b["buckets"][0]["valid"], 0);
  EXPECT_EQ(b["buckets"][0]["denied"], 0);
  const json& ten = b["buckets"][1];
  EXPECT_EQ(ten["start"], "2026-03-10T10:00:00.000Z");
  EXPECT_EQ(ten["valid"], 6);
  EXPECT_EQ(ten["rateLimited"], 1);
  EXPECT_EQ(ten["usageExceeded"], 2);
  EXPECT_EQ(ten["disabled"], 1);
  EXPECT_EQ(ten["expired"], 2);
  EXPECT_EQ(ten["revoked"], 3);
  EXPECT_EQ(ten["other"], 4);
  EXPECT_EQ(ten["denied"], 10);
  EXPECT_EQ(b["buckets"][2]["valid"], 0);
  EXPECT_EQ(b["buckets"][3]["valid"], 7);
  EXPECT_EQ(r.logSubject, kAnn);
  EXPECT_EQ(r.logAuthType, "jwt");
}

// No query: the last 24 h by hour (25 buckets to the end of the current hour); unknown parameters are ignored.
TEST_F(UsageRoutesTest, DefaultsAndUnknownParameters) {
  const std::string id = keyOf(kAnn, "ci");
  const HttpResponse r = as(kAnn, "/keys/" + id + "/usage", {{"limit", "5"}, {"tz", "Europe/Paris"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(b["granularity"], "hour");
  EXPECT_EQ(b["from"], "2026-03-09T12:00:00.000Z");
  EXPECT_EQ(b["to"], "2026-03-10T13:00:00.000Z");
  EXPECT_EQ(b["buckets"].size(), 25u);
}

// Another user's key and an unknown id are the same 404; a malformed id is 400 invalid_id, even with a bad range.
TEST_F(UsageRoutesTest, KeyUsageChecksTheIdAndTheOwner) {
  const std::string bobs = keyOf(kBob, "bob");
  use(kBob, bobs, "2026-03-10T12:00:00Z", {9, 0, 0, 0, 0, 0, 0});
  const HttpResponse other = as(kAnn, "/keys/" + bobs + "/usage");
  const HttpResponse unknown = as(kAnn, "/keys/00000000-0000-4000-8000-0000000000ff/usage");
  expectError(other, 404, "not_found");
  expectError(unknown, 404, "not_found");
  EXPECT_EQ(other.body, unknown.body);
  EXPECT_EQ(other.body.find("\"valid\""), std::string::npos);
  expectError(as(kAnn, "/keys/not-a-uuid/usage", {{"granularity", "week"}}), 400, "invalid_id");
}

// Bad ranges are 400 validation_failed on both routes, the message naming the problem.
TEST_F(UsageRoutesTest, BadRangesAre400) {
  const std::string id = keyOf(kAnn, "ci");
  const std::vector<std::pair<Query, std::string>> cases{
      {{{"from", "yesterday"}}, "from"},
      {{{"to", "2026-13-01T00:00:00Z"}}, "to"},
      {{{"granularity", "week"}}, "granularity"},
      {{{"from", "2026-03-10T12:00:00Z"}, {"to", "2026-03-10T11:00:00Z"}}, "before"},
      {{{"from", "2026-03-01T00:00:00Z"}, {"to", "2026-03-10T00:00:00Z"}, {"granularity", "minute"}}, "1500"}};
  for (const std::string& path : {"/keys/" + id + "/usage", std::string("/usage")}) {
    for (const auto& [query, word] : cases) {
      SCOPED_TRACE(path + " " + word);
      const HttpResponse r = as(kAnn, path, query);
      expectError(r, 400, "validation_failed");
      EXPECT_NE(r.body.find(word), std::string::npos) << r.body;
    }
  }
  EXPECT_EQ(reader_.reads, 0);
}

// All of the user's usage: {granularity, from, to, buckets, keys}, buckets summed over the user's keys, and one
// total per key used in the range (with its name); nothing of another user's keys.
TEST_F(UsageRoutesTest, UserUsageSumsTheUsersKeys) {
  const std::string a = keyOf(kAnn, "alpha"), b = keyOf(kAnn, "beta"), idle = keyOf(kAnn, "idle");
  const std::string bobs = keyOf(kBob, "bob");
  use(kAnn, a, "2026-03-10T12:00:00Z", {2, 1, 0, 0, 1, 0, 0}, "alpha");
  use(kAnn, b, "2026-03-10T12:01:00Z", {3, 0, 1, 0, 0, 0, 2}, "beta");
  use(kAnn, a, "2026-03-10T12:04:00Z", {1, 0, 0, 0, 0, 0, 0}, "alpha");
  use(kBob, bobs, "2026-03-10T12:00:00Z", {100, 0, 0, 0, 0, 0, 0}, "bob");
  const HttpResponse r =
      as(kAnn, "/usage", {{"from", "2026-03-10T12:00:00Z"}, {"to", "2026-03-10T12:05:00Z"}, {"granularity", "minute"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = bodyOf(r);
  EXPECT_EQ(keysOf(body), (std::vector<std::string>{"buckets", "from", "granularity", "keys", "to"}));
  EXPECT_EQ(body["granularity"], "minute");
  ASSERT_EQ(body["buckets"].size(), 5u);
  EXPECT_EQ(body["buckets"][0]["valid"], 2);
  EXPECT_EQ(body["buckets"][0]["denied"], 1);
  EXPECT_EQ(body["buckets"][1]["valid"], 3);
  EXPECT_EQ(body["buckets"][1]["denied"], 2);
  EXPECT_EQ(body["buckets"][2]["valid"], 0);
  EXPECT_EQ(body["buckets"][4]["valid"], 1);
  ASSERT_EQ(body["keys"].size(), 2u) << r.body;
  const json& alpha = body["keys"][0];
  EXPECT_EQ(keysOf(alpha),
            (std::vector<std::string>{"denied", "keyId", "name", "rateLimited", "usageExceeded", "valid"}));
  EXPECT_EQ(alpha["keyId"], a);
  EXPECT_EQ(alpha["name"], "alpha");
  EXPECT_EQ(alpha["valid"], 3);
  EXPECT_EQ(alpha["rateLimited"], 1);
  EXPECT_EQ(alpha["denied"], 1);
  EXPECT_EQ(body["keys"][1]["keyId"], b);
  EXPECT_EQ(body["keys"][1]["usageExceeded"], 1);
  EXPECT_EQ(body["keys"][1]["denied"], 2);
  EXPECT_EQ(r.body.find(idle), std::string::npos);
  EXPECT_EQ(r.body.find(bobs), std::string::npos);
}

// A user without usage: every bucket at zero and no keys.
TEST_F(UsageRoutesTest, UserUsageWithoutUsageIsZeros) {
  const HttpResponse r = as(kBob, "/usage", {{"granularity", "day"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(b["buckets"].size(), 2u);
  EXPECT_EQ(b["keys"], json::array());
}

// Both routes need a JWT of an active user: 401 without one or with an API key, 403 for an inactive user, 503 when
// PostgreSQL is down.
TEST_F(UsageRoutesTest, AuthAndOutages) {
  const std::string id = keyOf(kAnn, "ci");
  for (const std::string& path : {"/keys/" + id + "/usage", std::string("/usage")}) {
    SCOPED_TRACE(path);
    expectError(call(path), 401, "missing_credentials");
    expectError(call(path, {}, "Bearer " + std::string(kSomeKey)), 401, "wrong_credential_type");
    expectError(call(path, {}, "Bearer not.a.jwt"), 401, "invalid_token");
  }
  reader_.down = true;
  expectError(as(kAnn, "/keys/" + id + "/usage"), 503, "database_unavailable");
  expectError(as(kAnn, "/usage"), 503, "database_unavailable");
  reader_.down = false;
  auth_.statuses.active[std::string(kAnn)] = false;
  auth_.users.onChange(Change{ChangeKind::kUserChanged, std::string(kAnn)});
  expectError(as(kAnn, "/keys/" + id + "/usage"), 403, "user_inactive");
  expectError(as(kAnn, "/usage"), 403, "user_inactive");
}

}  // namespace
}  // namespace authd::http
