// GET /audit through the route table, over a real AuditLog on an in-memory log,
// a real JwtAuthenticator and UserStatusCache: who may call it, the page's shape
// ({events, next}, each event as events::toJson renders it), paging with the
// cursor, only the caller's events, and the 400s and 503.
#include "http/audit_routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "support/fakes/fake_audit_reader.hpp"
#include "support/fakes/fake_key_stores.hpp"
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

class AuditRoutesTest : public ::testing::Test {
 protected:
  AuditRoutesTest() {
    auth_.statuses.active[std::string(kAnn)] = true;
    auth_.statuses.active[std::string(kBob)] = true;
    addAuditRoutes(router_, log_, auth_.jwt, auth_.users);
  }

  HttpResponse call(Query query = {}, std::optional<std::string> authorization = std::nullopt) {
    HttpRequest req;
    req.method = Method::kGet;
    req.path = "/audit";
    req.query = std::move(query);
    testing::setHeader(req, Hdr::kAuthorization, std::move(authorization));
    return testing::dispatch(router_, req);
  }
  HttpResponse as(std::string_view user, Query query = {}) { return call(std::move(query), auth_.bearer(user)); }
  static std::vector<int64_t> seqsOf(const json& page) {
    std::vector<int64_t> out;
    for (const auto& e : page.at("events")) {
      // The fake's ids end in the seq.
      out.push_back(std::stoll(e.at("id").get<std::string>().substr(24)));
    }
    return out;
  }

  FakeClock clock_;
  testing::FakeAuditReader reader_;
  events::AuditLog log_{reader_};
  testing::RouteAuth auth_{clock_};
  Router router_;
};

// One GET on the worker pool (it reads PostgreSQL).
TEST_F(AuditRoutesTest, RouteIsRegisteredOnTheWorkerPool) {
  ASSERT_EQ(router_.routes().size(), 1u);
  EXPECT_EQ(router_.routes()[0].method, Method::kGet);
  EXPECT_EQ(router_.routes()[0].pattern, "/audit");
  EXPECT_EQ(router_.routes()[0].exec, Exec::kWorker);
}

// {events, next}: each event exactly as events::toJson renders it, newest first; next null on the last page;
// logged as the user.
TEST_F(AuditRoutesTest, AnswersThePageInToJsonsShape) {
  reader_.add(std::string(kAnn), events::type::kKeyCreated);
  reader_.add(std::string(kAnn), events::type::kKeyRevoked);
  const HttpResponse r = as(kAnn);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.logSubject, kAnn);
  const json b = bodyOf(r);
  ASSERT_EQ(b.size(), 2u) << r.body;
  EXPECT_TRUE(b.at("next").is_null());
  ASSERT_EQ(b.at("events").size(), 2u);
  EXPECT_EQ(b["events"][0], json::parse(events::toJson(reader_.rows[1])));
  EXPECT_EQ(b["events"][1], json::parse(events::toJson(reader_.rows[0])));
  EXPECT_EQ(b["events"][0]["type"], "key.revoked");
}

// Paging with the answer's next as before walks every event once, newest first; 50 by default.
TEST_F(AuditRoutesTest, PagesWithTheCursor) {
  for (int i = 0; i < 120; ++i) reader_.add(std::string(kAnn));
  std::vector<int64_t> seen;
  Query q;
  int pages = 0;
  for (;; ++pages) {
    const HttpResponse r = as(kAnn, q);
    ASSERT_EQ(r.status, 200) << r.body;
    const json b = bodyOf(r);
    const auto seqs = seqsOf(b);
    EXPECT_LE(seqs.size(), 50u);
    seen.insert(seen.end(), seqs.begin(), seqs.end());
    if (b.at("next").is_null()) break;
    ASSERT_TRUE(b.at("next").is_string());
    q = {{"before", b.at("next").get<std::string>()}};
  }
  EXPECT_EQ(pages + 1, 3);
  ASSERT_EQ(seen.size(), 120u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int64_t>(120 - i));
}

// Only the caller's events, never another user's nor webhook.test.
TEST_F(AuditRoutesTest, ShowsOnlyTheCallersEvents) {
  reader_.add(std::string(kBob));
  const int64_t anns = reader_.add(std::string(kAnn));
  reader_.add(std::string(kAnn), events::type::kWebhookTest);
  reader_.add(std::string(kBob));
  const json b = bodyOf(as(kAnn, {{"limit", "200"}}));
  EXPECT_EQ(seqsOf(b), std::vector<int64_t>{anns});
  EXPECT_EQ(reader_.calls.back().userId, kAnn);
}

// limit beyond 1-200 or not a number, or a cursor that is not one: 400 validation_failed, nothing read.
TEST_F(AuditRoutesTest, RefusesBadQueries) {
  for (const Query& q : std::vector<Query>{{{"limit", "0"}},
                                           {{"limit", "201"}},
                                           {{"limit", "ten"}},
                                           {{"limit", ""}},
                                           {{"before", "abc"}},
                                           {{"before", "-1"}}}) {
    expectError(as(kAnn, q), 400, "validation_failed");
  }
  EXPECT_TRUE(reader_.calls.empty());
}

// A JWT of an active user only: 401 without one or with an API key, 403 inactive; 503 when PostgreSQL is down.
TEST_F(AuditRoutesTest, NeedsAnActiveUsersJwt) {
  expectError(call(), 401, "missing_credentials");
  expectError(call({}, "Bearer " + std::string(kSomeKey)), 401, "wrong_credential_type");
  expectError(call({}, "Bearer not.a.jwt"), 401, "invalid_token");
  auth_.statuses.active[std::string(kBob)] = false;
  expectError(as(kBob), 403, "user_inactive");
  reader_.down = true;
  expectError(as(kAnn), 503, "database_unavailable");
}

}  // namespace
}  // namespace authd::http
