// The /keys routes through the route table, over a real KeyService on an
// in-memory repository, a real JwtAuthenticator and UserStatusCache: who may
// call them (a JWT of an active user), and what each answers (the key shown
// once at creation and rotation, never its hash; other users' keys not found;
// leak reports with the key as the only proof).
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
#include "support/route_auth.hpp"
#include "support/routes.hpp"

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
    auth_.statuses.active[std::string(kAnn)] = true;
    auth_.statuses.active[std::string(kBob)] = true;
    repo_.createdAt = clock_.now() - 10s;
    addKeyRoutes(router_, service_, auth_.jwt, auth_.users, clock_);
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
  std::string bearerOf(std::string_view user) const { return auth_.bearer(user); }
  HttpResponse as(std::string_view user, Method method, std::string path, std::string body = {}) {
    return call(method, std::move(path), std::move(body), bearerOf(user));
  }
  // POST /keys/report-leak as an anonymous client at `peer`: the key in x-api-key when given, and `body`.
  HttpResponse reportLeak(std::optional<std::string> apiKey, std::string body = {}, std::string peer = "203.0.113.7") {
    HttpRequest req;
    req.method = Method::kPost;
    req.path = "/keys/report-leak";
    req.body = std::move(body);
    req.peer = std::move(peer);
    testing::setHeader(req, Hdr::kApiKey, std::move(apiKey));
    testing::setHeader(req, Hdr::kContentType, "application/json");
    return testing::dispatch(router_, req);
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
  testing::RouteAuth auth_{clock_};
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

// Without a token every key route but the leak report is 401 missing_credentials (before the body is read); an API key
// is 401 wrong_credential_type; a bad token 401 invalid_token.
TEST_F(KeyRoutesTest, EveryRouteNeedsAJwt) {
  const std::vector<std::pair<Method, std::string>> routes{{Method::kPost, "/keys/create"},
                                                           {Method::kPost, "/keys"},
                                                           {Method::kGet, "/keys"},
                                                           {Method::kDelete, "/keys/not-a-uuid"},
                                                           {Method::kGet, "/keys/not-a-uuid"},
                                                           {Method::kPatch, "/keys/not-a-uuid"},
                                                           {Method::kPost, "/keys/not-a-uuid/rotate"}};
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
  auth_.statuses.active[std::string(kAnn)] = false;
  auth_.users.onChange(Change{ChangeKind::kUserChanged, std::string(kAnn)});
  expectError(as(kAnn, Method::kPost, "/keys", R"({"name":"ci"})"), 403, "user_inactive");
  expectError(as(kAnn, Method::kGet, "/keys"), 403, "user_inactive");
  expectError(as(kAnn, Method::kDelete, "/keys/" + id), 403, "user_inactive");
  expectError(as(kAnn, Method::kGet, "/keys/" + id), 403, "user_inactive");
  expectError(as(kAnn, Method::kPatch, "/keys/" + id, R"({"enabled":false})"), 403, "user_inactive");
  expectError(as(kAnn, Method::kPost, "/keys/" + id + "/rotate"), 403, "user_inactive");
  EXPECT_TRUE(repo_.rows.at(id).record.isActive);
  EXPECT_TRUE(repo_.rows.at(id).record.enabled);
  EXPECT_FALSE(repo_.rows.at(id).record.rotatedAt);

  auth_.statuses.active.erase(std::string(kAnn));
  auth_.users.onChange(Change{ChangeKind::kUserChanged, std::string(kAnn)});
  expectError(as(kAnn, Method::kGet, "/keys"), 401, "invalid_token");
}

// PostgreSQL down: an unknown user's status is 503 database_unavailable, and so is a repository outage.
TEST_F(KeyRoutesTest, OutagesAre503) {
  auth_.statuses.down = true;
  expectError(as(kAnn, Method::kGet, "/keys"), 503, "database_unavailable");
  auth_.statuses.down = false;
  repo_.down = true;
  expectError(as(kAnn, Method::kGet, "/keys"), 503, "database_unavailable");
  expectError(as(kAnn, Method::kPost, "/keys", R"({"name":"ci"})"), 503, "database_unavailable");
  const std::string id = "00000000-0000-4000-8000-000000000000";
  expectError(as(kAnn, Method::kGet, "/keys/" + id), 503, "database_unavailable");
  expectError(as(kAnn, Method::kPatch, "/keys/" + id, R"({"enabled":false})"), 503, "database_unavailable");
  expectError(as(kAnn, Method::kPost, "/keys/" + id + "/rotate"), 503, "database_unavailable");
}

// --- GET /keys/:id ---

// One key answers 200 in the listing's shape: the lifecycle fields at their defaults, no key and no hash.
TEST_F(KeyRoutesTest, GetAnswersTheKeyInTheListingShape) {
  const json created = createFor(kAnn);
  const std::string id = created.value("id", "");
  const HttpResponse r = as(kAnn, Method::kGet, "/keys/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), kKeyFields);
  EXPECT_EQ(b.value("id", ""), id);
  EXPECT_EQ(b["scopes"], (json{"read"}));
  EXPECT_EQ(b["enabled"], true);
  EXPECT_EQ(b["isActive"], true);
  for (const char* field : {"disabledReason", "metadata", "credits", "rotatedFrom", "rotatedAt", "expiresAt"}) {
    EXPECT_TRUE(b[field].is_null()) << field << ": " << r.body;
  }
  EXPECT_EQ(r.body.find(created.value("key", "")), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(repo_.rows.at(id).hash), std::string::npos) << r.body;
  EXPECT_EQ(r.logSubject, kAnn);
}

// A malformed id is 400 invalid_id; another user's key and an unknown id the same 404.
TEST_F(KeyRoutesTest, GetChecksTheIdAndTheOwner) {
  const std::string bobs = createFor(kBob).value("id", "");
  expectError(as(kAnn, Method::kGet, "/keys/not-a-uuid"), 400, "invalid_id");
  const HttpResponse other = as(kAnn, Method::kGet, "/keys/" + bobs);
  const HttpResponse unknown = as(kAnn, Method::kGet, "/keys/00000000-0000-4000-8000-0000000000ff");
  expectError(other, 404, "not_found");
  expectError(unknown, 404, "not_found");
  EXPECT_EQ(other.body, unknown.body);
}

// Metadata given at creation comes back as the same JSON object, at creation and on every read.
TEST_F(KeyRoutesTest, MetadataIsReturnedAsAnObject) {
  const json created = createFor(kAnn, R"({"name":"ci","metadata":{"team":"billing","tags":["a","b"]}})");
  const json expected{{"team", "billing"}, {"tags", {"a", "b"}}};
  EXPECT_EQ(created["metadata"], expected);
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys/" + created.value("id", "")))["metadata"], expected);
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys"))[0]["metadata"], expected);
}

// --- PATCH /keys/:id ---

// A patch answers 200 with the updated key, changes only what it names, and announces the key with its new version.
TEST_F(KeyRoutesTest, PatchAnswersTheUpdatedKey) {
  const json created = createFor(kAnn);
  const std::string id = created.value("id", "");
  const HttpResponse r =
      as(kAnn, Method::kPatch, "/keys/" + id, R"({"scopes":["admin"],"enabled":false,"metadata":{"a":1}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), kKeyFields);
  EXPECT_EQ(b["scopes"], (json{"admin"}));
  EXPECT_EQ(b["enabled"], false);
  EXPECT_EQ(b["disabledReason"], "user");
  EXPECT_EQ(b["metadata"], (json{{"a", 1}}));
  EXPECT_EQ(b.value("name", ""), "ci");
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(created.value("key", ""))});
  EXPECT_EQ(events_.changedVersions, std::vector<int64_t>{repo_.rows.at(id).record.version});
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys/" + id)), b);
  EXPECT_EQ(r.logSubject, kAnn);
}

// Enabling again clears the reason; null removes the expiry and the metadata.
TEST_F(KeyRoutesTest, PatchEnablesAndClears) {
  const std::string id =
      createFor(kAnn, R"({"name":"ci","expiresAt":"2030-01-01T00:00:00Z","metadata":{"a":1}})").value("id", "");
  ASSERT_EQ(as(kAnn, Method::kPatch, "/keys/" + id, R"({"enabled":false})").status, 200);
  const HttpResponse r =
      as(kAnn, Method::kPatch, "/keys/" + id, R"({"enabled":true,"expiresAt":null,"metadata":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(b["enabled"], true);
  EXPECT_TRUE(b["disabledReason"].is_null()) << r.body;
  EXPECT_TRUE(b["expiresAt"].is_null()) << r.body;
  EXPECT_TRUE(b["metadata"].is_null()) << r.body;
}

// Bad patches are 400 with the problem named (an unknown field, an empty object, bad JSON); nothing changes.
TEST_F(KeyRoutesTest, PatchRefusesBadBodies) {
  const std::string id = createFor(kAnn).value("id", "");
  const HttpResponse unknown = as(kAnn, Method::kPatch, "/keys/" + id, R"({"name":"x","isActive":false})");
  expectError(unknown, 400, "validation_failed");
  EXPECT_EQ(bodyOf(unknown)["message"], (json{"property isActive should not exist"})) << unknown.body;
  expectError(as(kAnn, Method::kPatch, "/keys/" + id, "{}"), 400, "validation_failed");
  expectError(as(kAnn, Method::kPatch, "/keys/" + id, R"({"metadata":[1]})"), 400, "validation_failed");
  expectError(as(kAnn, Method::kPatch, "/keys/" + id, R"({"enabled":)"), 400, "invalid_json");
  expectError(as(kAnn, Method::kPatch, "/keys/" + id), 400, "validation_failed");
  EXPECT_EQ(repo_.rows.at(id).record.name, "ci");
  EXPECT_TRUE(events_.changedHashes.empty());
}

// A malformed id is 400 invalid_id (before the body is read); another user's key 404; a revoked key 409.
TEST_F(KeyRoutesTest, PatchChecksTheIdOwnerAndState) {
  expectError(as(kAnn, Method::kPatch, "/keys/not-a-uuid", "{"), 400, "invalid_id");
  const std::string bobs = createFor(kBob).value("id", "");
  expectError(as(kAnn, Method::kPatch, "/keys/" + bobs, R"({"enabled":false})"), 404, "not_found");
  EXPECT_TRUE(repo_.rows.at(bobs).record.enabled);
  const std::string mine = createFor(kAnn).value("id", "");
  ASSERT_EQ(as(kAnn, Method::kDelete, "/keys/" + mine).status, 200);
  expectError(as(kAnn, Method::kPatch, "/keys/" + mine, R"({"enabled":true})"), 409, "conflict");
}

// --- credits ---

// Credits given on create are in the answer and in every later one (GET, list) as {remaining, refill}.
TEST_F(KeyRoutesTest, CreditsAreInEveryAnswer) {
  const json created =
      createFor(kAnn, R"({"name":"ci","credits":{"remaining":100,"refill":{"amount":500,"interval":"day"}}})");
  const json expected{{"remaining", 100}, {"refill", {{"amount", 500}, {"interval", "day"}}}};
  EXPECT_EQ(created["credits"], expected) << created.dump();
  const std::string id = created.value("id", "");
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys/" + id))["credits"], expected);
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys"))[0]["credits"], expected);
  const json plain = createFor(kAnn, R"({"name":"x","credits":{"remaining":0}})");
  EXPECT_EQ(plain["credits"], (json{{"remaining", 0}, {"refill", nullptr}})) << plain.dump();
}

// Once a later refill period has begun, remaining shows the refill amount (what the next verification sees),
// not the count flushed back for the earlier period.
TEST_F(KeyRoutesTest, RemainingIsTheRefillOnceAPeriodBegan) {
  const std::string id =
      createFor(kAnn, R"({"name":"ci","credits":{"remaining":3,"refill":{"amount":50,"interval":"day"}}})")
          .value("id", "");
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys/" + id))["credits"]["remaining"], 3);
  clock_.advance(24h);
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys/" + id))["credits"]["remaining"], 50);
}

// PATCH grants new credits (a newer grant version), and credits: null makes the key unlimited again.
TEST_F(KeyRoutesTest, PatchGrantsAndClearsCredits) {
  const std::string id = createFor(kAnn, R"({"name":"ci","credits":{"remaining":5}})").value("id", "");
  const int64_t before = repo_.rows.at(id).record.creditsVersion;
  const HttpResponse r = as(kAnn, Method::kPatch, "/keys/" + id,
                            R"({"credits":{"remaining":7,"refill":{"amount":9,"interval":"month"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bodyOf(r)["credits"], (json{{"remaining", 7}, {"refill", {{"amount", 9}, {"interval", "month"}}}}));
  EXPECT_GT(repo_.rows.at(id).record.creditsVersion, before);
  const HttpResponse cleared = as(kAnn, Method::kPatch, "/keys/" + id, R"({"credits":null})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(bodyOf(cleared)["credits"].is_null()) << cleared.body;
  EXPECT_FALSE(repo_.rows.at(id).record.credits);
  // A patch of something else leaves the credits as they are.
  ASSERT_EQ(as(kAnn, Method::kPatch, "/keys/" + id, R"({"credits":{"remaining":1}})").status, 200);
  EXPECT_EQ(bodyOf(as(kAnn, Method::kPatch, "/keys/" + id, R"({"name":"y"})"))["credits"],
            (json{{"remaining", 1}, {"refill", nullptr}}));
}

// Bad credits are 400 validation_failed naming the problem, on create and PATCH; nothing is stored.
TEST_F(KeyRoutesTest, BadCreditsAre400) {
  const HttpResponse bad = as(kAnn, Method::kPost, "/keys", R"({"name":"ci","credits":{"remaining":-1}})");
  expectError(bad, 400, "validation_failed");
  EXPECT_EQ(bodyOf(bad)["message"], (json{"credits.remaining must be an integer between 0 and 1000000000000"}));
  EXPECT_TRUE(repo_.rows.empty());
  const std::string id = createFor(kAnn).value("id", "");
  expectError(as(kAnn, Method::kPatch, "/keys/" + id, R"({"credits":{"remaining":1,"refill":{"amount":1}}})"), 400,
              "validation_failed");
  EXPECT_FALSE(repo_.rows.at(id).record.credits);
}

// --- POST /keys/:id/rotate ---

// Rotation answers 201 with a new key (shown once) carrying the old one's settings and rotatedFrom; the old key
// now ends at the grace period's end.
TEST_F(KeyRoutesTest, RotateAnswers201WithTheSuccessor) {
  repo_.now = clock_.now();
  const json old = createFor(kAnn, R"({"name":"ci","scopes":["read"],"metadata":{"a":1}})");
  const std::string oldId = old.value("id", "");
  const HttpResponse r = as(kAnn, Method::kPost, "/keys/" + oldId + "/rotate", R"({"gracePeriodSeconds":60})");
  ASSERT_EQ(r.status, 201) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), kIssuedFields);
  const std::string key = b.value("key", "");
  EXPECT_TRUE(keys::isWellFormedKey(key)) << key;
  EXPECT_NE(key, old.value("key", ""));
  EXPECT_NE(b.value("id", ""), oldId);
  EXPECT_EQ(b.value("rotatedFrom", ""), oldId);
  EXPECT_EQ(b.value("name", ""), "ci");
  EXPECT_EQ(b["scopes"], (json{"read"}));
  EXPECT_EQ(b["metadata"], (json{{"a", 1}}));
  EXPECT_EQ(repo_.rows.at(b.value("id", "")).hash, crypto::sha256Hex(key));
  const json retired = bodyOf(as(kAnn, Method::kGet, "/keys/" + oldId));
  EXPECT_EQ(retired.value("expiresAt", ""), formatIso8601(clock_.now() + 60s));
  EXPECT_EQ(retired.value("rotatedAt", ""), formatIso8601(clock_.now()));
  EXPECT_EQ(r.logSubject, kAnn);
}

// The successor gets the predecessor's credit settings and what it had left, as a grant of its own; the
// predecessor keeps its balance.
TEST_F(KeyRoutesTest, RotateCopiesTheCredits) {
  repo_.now = clock_.now();
  const json old =
      createFor(kAnn, R"({"name":"ci","credits":{"remaining":40,"refill":{"amount":60,"interval":"month"}}})");
  const std::string oldId = old.value("id", "");
  repo_.rows.at(oldId).record.credits->remaining = 12;  // as a flush-back left it
  const HttpResponse r = as(kAnn, Method::kPost, "/keys/" + oldId + "/rotate", R"({"gracePeriodSeconds":60})");
  ASSERT_EQ(r.status, 201) << r.body;
  const json expected{{"remaining", 12}, {"refill", {{"amount", 60}, {"interval", "month"}}}};
  EXPECT_EQ(bodyOf(r)["credits"], expected) << r.body;
  const auto& successor = repo_.rows.at(bodyOf(r).value("id", "")).record;
  EXPECT_GT(successor.creditsVersion, repo_.rows.at(oldId).record.creditsVersion);
  EXPECT_EQ(bodyOf(as(kAnn, Method::kGet, "/keys/" + oldId))["credits"], expected);
}

// Without a body (or with an empty object) the old key gets the default day of grace.
TEST_F(KeyRoutesTest, RotateWithoutBodyGivesADay) {
  repo_.now = clock_.now();
  const std::string a = createFor(kAnn).value("id", "");
  ASSERT_EQ(call(Method::kPost, "/keys/" + a + "/rotate", "", bearerOf(kAnn), std::nullopt).status, 201);
  EXPECT_EQ(repo_.rows.at(a).record.expiresAt, clock_.now() + 24h);
  const std::string b = createFor(kAnn).value("id", "");
  ASSERT_EQ(as(kAnn, Method::kPost, "/keys/" + b + "/rotate", "{}").status, 201);
  EXPECT_EQ(repo_.rows.at(b).record.expiresAt, clock_.now() + 24h);
}

// A second rotation is 409 conflict; a bad grace period 400; a malformed id 400 invalid_id; another user's key 404.
TEST_F(KeyRoutesTest, RotateRefusals) {
  repo_.now = clock_.now();
  const std::string id = createFor(kAnn).value("id", "");
  expectError(as(kAnn, Method::kPost, "/keys/" + id + "/rotate", R"({"gracePeriodSeconds":2592001})"), 400,
              "validation_failed");
  expectError(as(kAnn, Method::kPost, "/keys/" + id + "/rotate", R"({"grace":5})"), 400, "validation_failed");
  EXPECT_FALSE(repo_.rows.at(id).record.rotatedAt);
  ASSERT_EQ(as(kAnn, Method::kPost, "/keys/" + id + "/rotate").status, 201);
  expectError(as(kAnn, Method::kPost, "/keys/" + id + "/rotate"), 409, "conflict");
  expectError(as(kAnn, Method::kPost, "/keys/not-a-uuid/rotate"), 400, "invalid_id");
  const std::string bobs = createFor(kBob).value("id", "");
  expectError(as(kAnn, Method::kPost, "/keys/" + bobs + "/rotate"), 404, "not_found");
}

// --- POST /keys/report-leak ---

// The key in x-api-key, without any JWT: 202, and the key is disabled as leaked.
TEST_F(KeyRoutesTest, ReportLeakViaTheHeaderDisablesTheKey) {
  const json created = createFor(kAnn);
  const HttpResponse r = reportLeak(created.value("key", ""));
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_TRUE(bodyOf(r).contains("message")) << r.body;
  const json k = bodyOf(as(kAnn, Method::kGet, "/keys/" + created.value("id", "")));
  EXPECT_EQ(k["enabled"], false);
  EXPECT_EQ(k["disabledReason"], "leaked");
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(created.value("key", ""))});
}

// The key as {"key": "..."} works the same.
TEST_F(KeyRoutesTest, ReportLeakViaTheBodyDisablesTheKey) {
  const json created = createFor(kAnn);
  const HttpResponse r = reportLeak(std::nullopt, json{{"key", created.value("key", "")}}.dump());
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_FALSE(repo_.rows.at(created.value("id", "")).record.enabled);
}

// Garbage and unknown keys get the very same 202 as a real one (no oracle), and disable nothing.
TEST_F(KeyRoutesTest, ReportLeakOfGarbageIsTheSame202) {
  const json created = createFor(kAnn);
  const HttpResponse real = reportLeak(created.value("key", ""));
  const HttpResponse garbage = reportLeak("garbage");
  const HttpResponse unknown = reportLeak(std::string(kSomeKey));
  const HttpResponse inBody = reportLeak(std::nullopt, R"({"key":"nope"})");
  for (const HttpResponse* r : {&garbage, &unknown, &inBody}) {
    EXPECT_EQ(r->status, 202) << r->body;
    EXPECT_EQ(r->body, real.body);
  }
  EXPECT_EQ(events_.changedHashes.size(), 1u);
}

// A body that does not carry a key (and no header) is 400: no body, an empty object, a non-string, extra fields.
TEST_F(KeyRoutesTest, ReportLeakWithoutAKeyIs400) {
  expectError(reportLeak(std::nullopt), 400, "validation_failed");
  for (const char* body : {"{}", R"({"key":1})", R"({"key":"x","why":"oops"})", R"(["x"])"}) {
    SCOPED_TRACE(body);
    expectError(reportLeak(std::nullopt, body), 400, "validation_failed");
  }
  expectError(reportLeak(std::nullopt, "{"), 400, "invalid_json");
}

// Past the per-address limit: 429 with Retry-After; another address is still heard.
TEST_F(KeyRoutesTest, ReportLeakIsLimitedPerAddress) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(reportLeak("garbage").status, 202) << i;
  const HttpResponse limited = reportLeak("garbage");
  expectError(limited, 429, "too_many_requests");
  EXPECT_TRUE(testing::headerOf(limited, "Retry-After").has_value());
  EXPECT_EQ(reportLeak("garbage", {}, "198.51.100.1").status, 202);
}

}  // namespace
}  // namespace authd::http

namespace authd::http {
namespace {

// Every key change through the routes records who made it (the JWT's user) and from where (the client address and
// User-Agent the server saw); a leak report records the key itself as the actor, from the reporter's address.
TEST_F(KeyRoutesTest, ChangesRecordTheCallerAndTheRequestsOrigin) {
  const auto request = [this](Method m, std::string path, std::string body) {
    HttpRequest req;
    req.method = m;
    req.path = std::move(path);
    req.body = std::move(body);
    req.peer = "198.51.100.23";
    testing::setHeader(req, Hdr::kAuthorization, bearerOf(kAnn));
    testing::setHeader(req, Hdr::kContentType, "application/json");
    testing::setHeader(req, Hdr::kUserAgent, "console/1.0 (test)");
    return testing::dispatch(router_, req);
  };
  const HttpResponse created = request(Method::kPost, "/keys", R"({"name":"ci"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = bodyOf(created).value("id", "");
  const std::string key = bodyOf(created).value("key", "");
  ASSERT_EQ(request(Method::kPatch, "/keys/" + id, R"({"name":"renamed","enabled":false})").status, 200);
  ASSERT_EQ(request(Method::kPatch, "/keys/" + id, R"({"enabled":true})").status, 200);
  const HttpResponse rotated = request(Method::kPost, "/keys/" + id + "/rotate", "");
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  const std::string next = bodyOf(rotated).value("id", "");
  ASSERT_EQ(request(Method::kDelete, "/keys/" + next, "").status, 200);

  std::vector<std::string> types;
  for (const auto& e : repo_.events) {
    types.push_back(e.type);
    EXPECT_EQ(e.actor.kind, events::ActorKind::kUser) << e.type;
    EXPECT_EQ(e.actor.id, kAnn) << e.type;
    EXPECT_EQ(e.userId, kAnn) << e.type;
    EXPECT_EQ(e.origin.clientAddress, "198.51.100.23") << e.type;
    EXPECT_EQ(e.origin.userAgent, "console/1.0 (test)") << e.type;
    EXPECT_EQ(e.data.find(key), std::string::npos) << e.data;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"key.created", "key.updated", "key.disabled", "key.enabled", "key.rotated",
                                             "key.revoked"}));

  // A live key reported leaked by whoever holds it (no JWT).
  const json fresh = createFor(kAnn);
  repo_.events.clear();
  ASSERT_EQ(reportLeak(fresh.value("key", ""), {}, "192.0.2.44").status, 202);
  ASSERT_EQ(repo_.events.size(), 1u);
  EXPECT_EQ(repo_.events[0].type, "key.leaked");
  EXPECT_EQ(repo_.events[0].actor.kind, events::ActorKind::kKey);
  EXPECT_EQ(repo_.events[0].actor.id, fresh.value("id", ""));
  EXPECT_EQ(repo_.events[0].userId, kAnn);
  EXPECT_EQ(repo_.events[0].origin.clientAddress, "192.0.2.44");
}

}  // namespace
}  // namespace authd::http
