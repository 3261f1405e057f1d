// The /keys routes through the route table, over a real KeyService on an
// in-memory repository, a real JwtAuthenticator and UserStatusCache: who may
// call them (a JWT of an active user), and what each answers (the key shown
// once at creation, never its hash; other users' keys not found).
#include "http/key_routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "keys/api_key.hpp"
#include "support/fakes/fake_key_repository.hpp"
#include "support/fakes/fake_key_stores.hpp"
#include "support/fakes/fake_windowed_counter.hpp"
#include "support/routes.hpp"
#include "tokens/denylist.hpp"

namespace authd::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::bodyOf;
using testing::expectError;

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kBob = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
constexpr std::string_view kSomeKey = "sk_live_0123456789abcdef0123456789abcdef01234567";
// A key as every listing shows it (sorted, as nlohmann orders an object's fields), and as issued: plus the key.
const std::vector<std::string> kKeyFields{"createdAt", "credits",   "disabledReason", "enabled",     "expiresAt",
                                          "id",        "isActive",  "lastUsedAt",     "metadata",    "name",
                                          "prefix",    "rateLimit", "rotatedAt",      "rotatedFrom", "scopes"};
const std::vector<std::string> kIssuedFields{
    "createdAt",  "credits",  "disabledReason", "enabled", "expiresAt", "id",        "isActive",    "key",
    "lastUsedAt", "metadata", "name",           "prefix",  "rateLimit", "rotatedAt", "rotatedFrom", "scopes"};

class KeyRoutesTest : public ::testing::Test {
 protected:
  KeyRoutesTest() {
    statuses_.active[std::string(kAnn)] = true;
    statuses_.active[std::string(kBob)] = true;
    repo_.createdAt = clock_.now() - 10s;
    addKeyRoutes(router_, service_, jwt_, users_, clock_);
  }

  // A request as the server would build it: JSON content type, the user's bearer token when given.
  HttpResponse call(Method method, std::string path, std::string body = {},
                    std::optional<std::string> authorization = std::nullopt,
                    std::optional<std::string> contentType = "application/json") {
    HttpRequest req;
    req.method = method;
    req.path = std::move(path);
    req.body = std::move(body);
    testing::setHeader(req, Hdr::kAuthorization, std::move(authorization));
    testing::setHeader(req, Hdr::kContentType, std::move(contentType));
    return testing::dispatch(router_, req);
  }
  std::string bearerOf(std::string_view user) const {
    return "Bearer " + access_->issue(user, std::string(user) + "@example.com");
  }
  HttpResponse as(std::string_view user, Method method, std::string path, std::string body = {}) {
    return call(method, std::move(path), std::move(body), bearerOf(user));
  }
  // Creates a key for `user` through the route; its 201 body.
  json createFor(std::string_view user, std::string body = R"({"name":"ci","scopes":["read"]})") {
    const HttpResponse r = as(user, Method::kPost, "/keys", std::move(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return bodyOf(r);
  }

  static std::vector<std::string> keysOf(const json& j) {
    std::vector<std::string> out;
    for (const auto& [k, v] : j.items()) out.push_back(k);
    return out;
  }

  FakeClock clock_;
  testing::FakeKeyRepository repo_;
  testing::RecordingKeyEvents events_;
  testing::FakeWindowedCounter counter_{clock_};
  keys::KeyService service_{repo_, events_, counter_};
  std::unique_ptr<tokens::AccessTokens> access_ =
      tokens::AccessTokens::createHs256("key-routes-test-secret-0123456789abcdef0123", "authd", 1h, clock_);
  tokens::Denylist denylist_;
  verify::JwtAuthenticator jwt_{*access_, denylist_, clock_};
  testing::FakeUserStatusSource statuses_;
  verify::UserStatusCache users_{statuses_, clock_, 100, 60s, 1h};
  Router router_;
};

// The key routes (POST /keys/create, its alias POST /keys, GET /keys, GET/PATCH/DELETE /keys/:id, the rotation and
// the leak report) run on the worker pool; addKeyRoutes registers no /verify.
TEST_F(KeyRoutesTest, RoutesAreRegisteredOnTheWorkerPool) {
  std::vector<std::pair<Method, std::string>> seen;
  for (const auto& r : router_.routes()) {
    seen.emplace_back(r.method, r.pattern);
    EXPECT_EQ(r.exec, Exec::kWorker) << r.pattern;
  }
  const std::vector<std::pair<Method, std::string>> expected{
      {Method::kPost, "/keys/create"},      {Method::kPost, "/keys"},      {Method::kGet, "/keys"},
      {Method::kGet, "/keys/:id"},          {Method::kPatch, "/keys/:id"}, {Method::kPost, "/keys/:id/rotate"},
      {Method::kPost, "/keys/report-leak"}, {Method::kDelete, "/keys/:id"}};
  EXPECT_EQ(seen, expected);
}

// Creating answers 201 with the CreatedApiKey shape (a listing's fields plus the key itself: once, well-formed, stored
// only as its hash), its display prefix, the validated fields and times in ISO 8601; logged as the JWT's user;
// announced.
TEST_F(KeyRoutesTest, CreateAnswers201WithTheKeyOnce) {
  const HttpResponse r = as(kAnn, Method::kPost, "/keys/create",
                            R"({"name":" ci ","scopes":["read","write","read"],"expiresAt":"2030-01-01T00:00:00Z",)"
                            R"("rateLimit":{"limit":100,"windowSeconds":60}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.contentType, "application/json");
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), kIssuedFields);
  const std::string key = b.value("key", "");
  EXPECT_TRUE(keys::isWellFormedKey(key)) << key;
  const std::string id = b.value("id", "");
  ASSERT_TRUE(repo_.rows.contains(id)) << r.body;
  EXPECT_EQ(repo_.rows.at(id).hash, crypto::sha256Hex(key));
  EXPECT_EQ(repo_.rows.at(id).record.userId, kAnn);
  EXPECT_EQ(r.body.find(repo_.rows.at(id).hash), std::string::npos);
  EXPECT_EQ(b.value("prefix", ""), keys::displayPrefix(key));
  EXPECT_EQ(b.value("name", ""), "ci");
  EXPECT_EQ(b["scopes"], (json{"read", "write"}));
  EXPECT_EQ(b["rateLimit"], (json{{"limit", 100}, {"windowSeconds", 60}}));
  EXPECT_EQ(b.value("expiresAt", ""), "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(b.value("createdAt", ""), formatIso8601(repo_.createdAt));
  EXPECT_EQ(r.logAuthType, "jwt");
  EXPECT_EQ(r.logSubject, kAnn);
  EXPECT_EQ(events_.createdIds, std::vector<std::string>{id});
}

// POST /keys is the same create; without expiresAt and rateLimit both are null (never, and the server default).
TEST_F(KeyRoutesTest, CreateWithoutOptionsHasNulls) {
  const json b = createFor(kAnn, R"({"name":"ci"})");
  EXPECT_TRUE(b.contains("expiresAt") && b["expiresAt"].is_null()) << b.dump();
  EXPECT_TRUE(b.contains("rateLimit") && b["rateLimit"].is_null()) << b.dump();
  EXPECT_EQ(b["scopes"], json::array());
}

// A body that fails validation is 400 validation_failed, bad JSON 400 invalid_json, another type 415; nothing stored.
TEST_F(KeyRoutesTest, CreateRefusesBadBodies) {
  const HttpResponse invalid = as(kAnn, Method::kPost, "/keys", R"({"scopes":["NOT OK"],"expiresAt":"2020-01-01"})");
  expectError(invalid, 400, "validation_failed");
  EXPECT_TRUE(bodyOf(invalid)["message"].is_array()) << invalid.body;
  expectError(as(kAnn, Method::kPost, "/keys", R"({"name":)"), 400, "invalid_json");
  expectError(call(Method::kPost, "/keys", R"({"name":"ci"})", bearerOf(kAnn), "text/plain"), 415,
              "unsupported_media_type");
  EXPECT_TRUE(repo_.rows.empty());
}

// Listing answers 200 with the user's own keys in the ApiKey shape: no key and no hash, isActive and lastUsedAt.
TEST_F(KeyRoutesTest, ListAnswersTheUsersKeysWithoutSecrets) {
  const json mine = createFor(kAnn);
  createFor(kBob);
  const HttpResponse r = as(kAnn, Method::kGet, "/keys");
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  ASSERT_TRUE(b.is_array()) << r.body;
  ASSERT_EQ(b.size(), 1u) << r.body;
  const json& k = b[0];
  EXPECT_EQ(keysOf(k), kKeyFields);
  EXPECT_EQ(k.value("id", ""), mine.value("id", ""));
  EXPECT_EQ(k.value("prefix", ""), mine.value("prefix", ""));
  EXPECT_EQ(k.value("isActive", false), true);
  EXPECT_TRUE(k["lastUsedAt"].is_null());
  EXPECT_EQ(r.body.find(mine.value("key", "")), std::string::npos) << r.body;
  for (const auto& [id, row] : repo_.rows) EXPECT_EQ(r.body.find(row.hash), std::string::npos) << r.body;
  EXPECT_EQ(r.logAuthType, "jwt");
  EXPECT_EQ(r.logSubject, kAnn);
}

// A key's last use is listed in ISO 8601, and a revoked key stays listed with isActive false.
TEST_F(KeyRoutesTest, ListShowsLastUseAndRevocation) {
  const std::string id = createFor(kAnn).value("id", "");
  repo_.rows.at(id).record.lastUsedAt = clock_.now();
  ASSERT_EQ(as(kAnn, Method::kDelete, "/keys/" + id).status, 200);
  const json b = bodyOf(as(kAnn, Method::kGet, "/keys"));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].value("isActive", true), false);
  EXPECT_EQ(b[0].value("lastUsedAt", ""), formatIso8601(clock_.now()));
}

// A user without keys gets 200 and an empty array.
TEST_F(KeyRoutesTest, EmptyListIsAnEmptyArray) {
  const HttpResponse r = as(kAnn, Method::kGet, "/keys");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "[]");
}

// Deleting one's key answers 200 {id, message}, revokes it and announces its hash.
TEST_F(KeyRoutesTest, DeleteRevokesTheKey) {
  const json created = createFor(kAnn);
  const std::string id = created.value("id", "");
  const HttpResponse r = as(kAnn, Method::kDelete, "/keys/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bodyOf(r), (json{{"id", id}, {"message", "API key revoked"}}));
  EXPECT_FALSE(repo_.rows.at(id).record.isActive);
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(created.value("key", ""))});
  EXPECT_EQ(r.logAuthType, "jwt");
  EXPECT_EQ(r.logSubject, kAnn);
}

// Another user's key and an unknown id are the same 404 not_found; the key stays active, nothing is announced.
TEST_F(KeyRoutesTest, DeleteOfAnotherUsersKeyIs404) {
  const std::string bobs = createFor(kBob).value("id", "");
  const HttpResponse other = as(kAnn, Method::kDelete, "/keys/" + bobs);
  const HttpResponse unknown = as(kAnn, Method::kDelete, "/keys/00000000-0000-4000-8000-0000000000ff");
  expectError(other, 404, "not_found");
  expectError(unknown, 404, "not_found");
  EXPECT_EQ(other.body, unknown.body);
  EXPECT_TRUE(repo_.rows.at(bobs).record.isActive);
  EXPECT_TRUE(events_.changedHashes.empty());
}

// A malformed id is 400 invalid_id.
TEST_F(KeyRoutesTest, DeleteOfAMalformedIdIs400) {
  for (const char* id : {"1", "not-a-uuid", "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5"}) {
    const HttpResponse r = as(kAnn, Method::kDelete, std::string("/keys/") + id);
    expectError(r, 400, "invalid_id");
    EXPECT_EQ(bodyOf(r).value("message", ""), "Id must be a UUID") << id;
  }
}

// Without a token every key route is 401 missing_credentials (before the body is read); an API key is 401
// wrong_credential_type; a bad token 401 invalid_token.
TEST_F(KeyRoutesTest, EveryRouteNeedsAJwt) {
  const std::vector<std::pair<Method, std::string>> routes{{Method::kPost, "/keys/create"},
                                                           {Method::kPost, "/keys"},
                                                           {Method::kGet, "/keys"},
                                                           {Method::kDelete, "/keys/not-a-uuid"}};
  for (const auto& [method, path] : routes) {
    SCOPED_TRACE(path);
    expectError(call(method, path, "{"), 401, "missing_credentials");
    expectError(call(method, path, "{", "Bearer " + std::string(kSomeKey)), 401, "wrong_credential_type");
    expectError(call(method, path, "{", "Bearer not.a.jwt"), 401, "invalid_token");
  }
  EXPECT_TRUE(repo_.rows.empty());
}

// An inactive user's valid token is 403 user_inactive on every key route; a user that no longer exists is 401.
TEST_F(KeyRoutesTest, InactiveUserIs403) {
  const std::string id = createFor(kAnn).value("id", "");
  statuses_.active[std::string(kAnn)] = false;
  users_.onChange(Change{ChangeKind::kUserChanged, std::string(kAnn)});
  expectError(as(kAnn, Method::kPost, "/keys", R"({"name":"ci"})"), 403, "user_inactive");
  expectError(as(kAnn, Method::kGet, "/keys"), 403, "user_inactive");
  expectError(as(kAnn, Method::kDelete, "/keys/" + id), 403, "user_inactive");
  EXPECT_TRUE(repo_.rows.at(id).record.isActive);

  statuses_.active.erase(std::string(kAnn));
  users_.onChange(Change{ChangeKind::kUserChanged, std::string(kAnn)});
  expectError(as(kAnn, Method::kGet, "/keys"), 401, "invalid_token");
}

// PostgreSQL down: an unknown user's status is 503 database_unavailable, and so is a repository outage.
TEST_F(KeyRoutesTest, OutagesAre503) {
  statuses_.down = true;
  expectError(as(kAnn, Method::kGet, "/keys"), 503, "database_unavailable");
  statuses_.down = false;
  repo_.down = true;
  expectError(as(kAnn, Method::kGet, "/keys"), 503, "database_unavailable");
  expectError(as(kAnn, Method::kPost, "/keys", R"({"name":"ci"})"), 503, "database_unavailable");
}

}  // namespace
}  // namespace authd::http
