// GET and PATCH /keys/:id and POST /keys/:id/rotate through nginx: what a
// good request answers (the key object of GET /keys, every field PATCH can
// change), and every bad input of SPEC.md's key lifecycle, one test case
// each: 400 naming the field (validation as in create), unknown fields, an
// empty PATCH, metadata that is no object or over 4 KiB, a grace period out
// of range, a malformed id (400), another user's or an unknown key (404), a
// revoked or rotated key (409). A refused request changes nothing. Each test
// signs up its own user.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/matchers.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The key as GET /keys/:id answers it, without lastUsedAt (which a verification may move).
json stateOf(const Account& a, const std::string& id) {
  const auto r = getKey(a, id);
  EXPECT_TRUE(r && r->status == 200) << "GET /keys/" << id << ": " << describe(r);
  if (!r || r->status != 200) return json(json::value_t::discarded);
  json j = r->json();
  j.erase("lastUsedAt");
  return j;
}

// A user with one key, fresh for each test.
class E2eKeyRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = signup(testEnv().nginxPort, "e2e-keyroutes");
    ASSERT_FALSE(owner_.id.empty());
    key_ = createKey(testEnv().nginxPort, owner_, {{"name", "routes"}, {"scopes", {"reports:read"}}});
    ASSERT_FALSE(key_.id.empty());
    before_ = stateOf(owner_, key_.id);
  }

  // The key is exactly as it was before the test's refused requests.
  void expectUnchanged() { EXPECT_EQ(stateOf(owner_, key_.id), before_) << "a refused request changed the key"; }

  Account owner_;
  Key key_;
  json before_;
};

// ---- Answers -------------------------------------------------------------------------------

// GET /keys/:id answers the key exactly as GET /keys lists it, with every field and its defaults.
TEST_F(E2eKeyRoutesTest, GetAnswersTheKeyAsListed) {
  const auto r = getKey(owner_, key_.id);
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  EXPECT_TRUE(r->header("content-type").starts_with("application/json")) << r->header("content-type");
  const json k = r->json();
  EXPECT_TRUE(isKeyObject(k));
  EXPECT_EQ(k["id"], key_.id);
  EXPECT_EQ(k["name"], "routes");
  EXPECT_EQ(k["prefix"], key_.created["prefix"]);
  EXPECT_EQ(k["scopes"], json({"reports:read"}));
  EXPECT_EQ(k["createdAt"], key_.created["createdAt"]);
  EXPECT_TRUE(k["rateLimit"].is_null() && k["expiresAt"].is_null()) << k;
  EXPECT_EQ(k["isActive"], true);
  EXPECT_EQ(k["enabled"], true);
  EXPECT_TRUE(k["disabledReason"].is_null() && k["metadata"].is_null() && k["credits"].is_null() &&
              k["rotatedFrom"].is_null())
      << k;
  EXPECT_FALSE(k.contains("key")) << "the secret is shown once";
  const json list = listKeys(owner_);
  ASSERT_TRUE(list.is_array() && list.size() == 1) << list;
  EXPECT_EQ(list[0], k) << "GET /keys and GET /keys/:id disagree";
}

// A revoked key is still found, with isActive false.
TEST_F(E2eKeyRoutesTest, GetRevokedKeyIsInactive) {
  const auto del = request(testEnv().nginxPort, "DELETE", "/keys/" + key_.id, bearer(owner_.accessToken));
  ASSERT_TRUE(del && del->status == 200) << describe(del);
  const auto r = getKey(owner_, key_.id);
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  EXPECT_TRUE(isKeyObject(r->json()));
  EXPECT_EQ(r->json()["isActive"], false) << *r;
}

// PATCH changes every field it is given, and only those; the answer and a later GET agree.
TEST_F(E2eKeyRoutesTest, PatchUpdatesEachField) {
  const std::string expiresAt = formatIso8601(std::chrono::system_clock::now() + 48h);
  const std::vector<json> changes{
      {{"name", "renamed"}},
      {{"scopes", {"a.scope", "b:scope"}}},
      {{"rateLimit", {{"limit", 10}, {"windowSeconds", 30}}}},
      {{"expiresAt", expiresAt}},
      {{"metadata", {{"owner", "team-a"}, {"n", 3}}}},
      {{"enabled", false}},
      {{"name", "both"}, {"enabled", true}},
  };
  json expected = before_;
  expected["disabledReason"] = nullptr;
  for (const json& change : changes) {
    const auto r = patchKey(owner_, key_.id, change);
    ASSERT_TRUE(r && r->status == 200) << change << ": " << describe(r);
    json got = r->json();
    EXPECT_TRUE(isKeyObject(got)) << change;
    for (const auto& [field, value] : change.items()) expected[field] = value;
    expected["disabledReason"] = expected["enabled"] == false ? json("user") : json(nullptr);
    got.erase("lastUsedAt");
    EXPECT_EQ(got, expected) << "after " << change;
    EXPECT_EQ(stateOf(owner_, key_.id), expected) << "GET after " << change;
  }
}

// `expiresAt: null` removes an expiry.
TEST_F(E2eKeyRoutesTest, PatchExpiresAtNullRemovesExpiry) {
  const auto set = patchKey(owner_, key_.id, {{"expiresAt", formatIso8601(std::chrono::system_clock::now() + 1h)}});
  ASSERT_TRUE(set && set->status == 200 && set->json()["expiresAt"].is_string()) << describe(set);
  const auto cleared = patchKey(owner_, key_.id, {{"expiresAt", nullptr}});
  ASSERT_TRUE(cleared && cleared->status == 200) << describe(cleared);
  EXPECT_TRUE(cleared->json()["expiresAt"].is_null()) << *cleared;
  EXPECT_TRUE(stateOf(owner_, key_.id)["expiresAt"].is_null());
}

// Metadata is stored and returned as given: nesting, arrays, unicode, numbers, up to nearly 4 KiB.
TEST_F(E2eKeyRoutesTest, PatchMetadataIsStoredAsGiven) {
  const json metadata{{"plan", "pro"},
                      {"nested", {{"list", {1, 2.5, "three", nullptr, true}}, {"empty", json::object()}}},
                      {"name", "名前 🔑 \"quoted\""},
                      {"blob", std::string(3800, 'x')}};
  ASSERT_LT(metadata.dump().size(), 4096u);
  const auto r = patchKey(owner_, key_.id, {{"metadata", metadata}});
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  EXPECT_EQ(r->json()["metadata"], metadata);
  EXPECT_EQ(stateOf(owner_, key_.id)["metadata"], metadata);
}

// The grace period's bounds, 2592000 (30 days) and 0, are accepted, and `{}` takes the default.
TEST_F(E2eKeyRoutesTest, RotateAcceptsTheGraceBoundsAndAnEmptyBody) {
  std::string id = key_.id;
  for (const json& body : {json{{"gracePeriodSeconds", 2592000}}, json{{"gracePeriodSeconds", 0}}, json::object()}) {
    const auto r = rotateKey(owner_, id, body);
    ASSERT_TRUE(r && r->status == 201) << body << ": " << describe(r);
    EXPECT_EQ(r->json()["rotatedFrom"], id) << *r;
    id = r->json().value("id", "");
  }
}

// ---- Ids and owners ------------------------------------------------------------------------

const std::vector<std::string> kMalformedIds{"not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g",
                                             "%27%20OR%201%3D1", std::string(300, 'f')};

// GET /keys/<malformed id>: 400 invalid_id.
TEST_F(E2eKeyRoutesTest, GetMalformedIdIs400) {
  for (const auto& id : kMalformedIds) EXPECT_TRUE(isError(getKey(owner_, id), 400, "invalid_id")) << id;
}

// PATCH /keys/<malformed id>: 400 invalid_id.
TEST_F(E2eKeyRoutesTest, PatchMalformedIdIs400) {
  for (const auto& id : kMalformedIds) {
    EXPECT_TRUE(isError(patchKey(owner_, id, {{"name", "x"}}), 400, "invalid_id")) << id;
  }
}

// POST /keys/<malformed id>/rotate: 400 invalid_id.
TEST_F(E2eKeyRoutesTest, RotateMalformedIdIs400) {
  for (const auto& id : kMalformedIds) {
    EXPECT_TRUE(isError(rotateKey(owner_, id, json::object()), 400, "invalid_id")) << id;
  }
}

// A well-formed id that is no key: 404 not_found on every route.
TEST_F(E2eKeyRoutesTest, UnknownKeyIs404) {
  const std::string id = crypto::uuidV4();
  EXPECT_TRUE(isError(getKey(owner_, id), 404, "not_found"));
  EXPECT_TRUE(isError(patchKey(owner_, id, {{"name", "x"}}), 404, "not_found"));
  EXPECT_TRUE(isError(rotateKey(owner_, id, json::object()), 404, "not_found"));
}

// Another user's key does not exist for you: GET 404.
TEST_F(E2eKeyRoutesTest, GetAnotherUsersKeyIs404) {
  const Account other = signup(testEnv().nginxPort, "e2e-keyroutes-other");
  EXPECT_TRUE(isError(getKey(other, key_.id), 404, "not_found"));
}

// PATCH of another user's key: 404, and the key is unchanged.
TEST_F(E2eKeyRoutesTest, PatchAnotherUsersKeyIs404) {
  const Account other = signup(testEnv().nginxPort, "e2e-keyroutes-other");
  EXPECT_TRUE(isError(patchKey(other, key_.id, {{"name", "stolen"}, {"enabled", false}}), 404, "not_found"));
  expectUnchanged();
}

// Rotating another user's key: 404, and neither user gains a key.
TEST_F(E2eKeyRoutesTest, RotateAnotherUsersKeyIs404) {
  const Account other = signup(testEnv().nginxPort, "e2e-keyroutes-other");
  EXPECT_TRUE(isError(rotateKey(other, key_.id, json::object()), 404, "not_found"));
  EXPECT_EQ(listKeys(owner_).size(), 1u);
  EXPECT_EQ(listKeys(other).size(), 0u);
  expectUnchanged();
}

// Without a JWT every route is 401 missing_credentials; with the key itself as credential, 401 too.
TEST_F(E2eKeyRoutesTest, RoutesNeedAJwt) {
  const uint16_t port = testEnv().nginxPort;
  const Headers plain{{"Content-Type", "application/json"}};
  const Headers withKey{{"Content-Type", "application/json"}, {"x-api-key", key_.key}};
  for (const Headers& h : {plain, withKey}) {
    for (const auto& [method, path] : {std::pair{"GET", "/keys/" + key_.id}, std::pair{"PATCH", "/keys/" + key_.id},
                                       std::pair{"POST", "/keys/" + key_.id + "/rotate"}}) {
      const auto r = request(port, method, path, h, R"({"name":"x"})");
      ASSERT_TRUE(isErrorShape(r)) << method << " " << path;
      EXPECT_EQ(r->status, 401) << method << " " << path << ": " << *r;
    }
  }
  expectUnchanged();
}

// ---- Conflicts -----------------------------------------------------------------------------

// PATCH of a revoked key: 409 conflict.
TEST_F(E2eKeyRoutesTest, PatchRevokedKeyIs409) {
  const auto del = request(testEnv().nginxPort, "DELETE", "/keys/" + key_.id, bearer(owner_.accessToken));
  ASSERT_TRUE(del && del->status == 200) << describe(del);
  before_ = stateOf(owner_, key_.id);
  EXPECT_TRUE(isError(patchKey(owner_, key_.id, {{"enabled", true}}), 409, "conflict"));
  EXPECT_TRUE(isError(patchKey(owner_, key_.id, {{"name", "again"}}), 409, "conflict"));
  expectUnchanged();
}

// PATCH of a key already rotated: 409 conflict (its successor is the key to change).
TEST_F(E2eKeyRoutesTest, PatchRotatedKeyIs409) {
  const auto rotated = rotateKey(owner_, key_.id, {{"gracePeriodSeconds", 600}});
  ASSERT_TRUE(rotated && rotated->status == 201) << describe(rotated);
  before_ = stateOf(owner_, key_.id);
  EXPECT_TRUE(isError(patchKey(owner_, key_.id, {{"scopes", {"more:scope"}}}), 409, "conflict"));
  expectUnchanged();
  const auto successor = patchKey(owner_, rotated->json().value("id", ""), {{"name", "successor"}});
  EXPECT_TRUE(successor && successor->status == 200) << describe(successor);
}

// ---- PATCH validation, one case per bad input ------------------------------------------------

struct BadPatch {
  const char* name;
  std::string body;   // sent as it is
  const char* field;  // a validation message must name it ("" for none in particular)
};

void PrintTo(const BadPatch& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> manyScopes(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("scope" + std::to_string(i));
  return out;
}

const std::vector<BadPatch> kBadPatches{
    {"EmptyObject", "{}", ""},
    {"BodyIsAnArray", "[]", ""},
    {"BodyIsAString", R"("name")", ""},
    {"UnknownField", R"({"name":"ok","colour":"red"})", "colour"},
    {"UnknownFieldAlone", R"({"isActive":true})", "isActive"},
    {"NameEmpty", R"({"name":""})", "name"},
    {"NameBlank", R"({"name":"   "})", "name"},
    {"NameTooLong", json{{"name", std::string(101, 'n')}}.dump(), "name"},
    {"NameNotAString", R"({"name":5})", "name"},
    {"NameControlCharacter", R"({"name":"a\u0001b"})", "name"},
    {"ScopesNotAnArray", R"({"scopes":"reports:read"})", "scopes"},
    {"ScopesBadCharacters", R"({"scopes":["Reports Read"]})", "scopes"},
    {"ScopesNotStrings", R"({"scopes":[1,2]})", "scopes"},
    {"ScopesTooMany", json{{"scopes", manyScopes(33)}}.dump(), "scopes"},
    {"RateLimitNotAnObject", R"({"rateLimit":5})", "rateLimit"},
    {"RateLimitZero", R"({"rateLimit":{"limit":0,"windowSeconds":60}})", "rateLimit.limit"},
    {"RateLimitNotAnInteger", R"({"rateLimit":{"limit":1.5,"windowSeconds":60}})", "rateLimit.limit"},
    {"RateLimitWindowTooLong", R"({"rateLimit":{"limit":5,"windowSeconds":86401}})", "rateLimit.windowSeconds"},
    {"RateLimitWindowMissing", R"({"rateLimit":{"limit":5}})", "rateLimit.windowSeconds"},
    {"RateLimitUnknownField", R"({"rateLimit":{"limit":5,"windowSeconds":60,"burst":9}})", "burst"},
    {"ExpiresAtInThePast", R"({"expiresAt":"2000-01-01T00:00:00Z"})", "expiresAt"},
    {"ExpiresAtNotADate", R"({"expiresAt":"tomorrow"})", "expiresAt"},
    {"ExpiresAtNumber", R"({"expiresAt":1893456000})", "expiresAt"},
    {"EnabledString", R"({"enabled":"false"})", "enabled"},
    {"EnabledNumber", R"({"enabled":0})", "enabled"},
    {"MetadataArray", R"({"metadata":[1,2]})", "metadata"},
    {"MetadataString", R"({"metadata":"team-a"})", "metadata"},
    {"MetadataNumber", R"({"metadata":42})", "metadata"},
    {"MetadataOver4KiB", json{{"metadata", {{"blob", std::string(4200, 'x')}}}}.dump(), "metadata"},
    {"CreditsNumber", R"({"credits":100})", "credits"},
    {"CreditsRemainingMissing", R"({"credits":{}})", "credits.remaining"},
    {"CreditsRemainingNegative", R"({"credits":{"remaining":-1}})", "credits.remaining"},
    {"CreditsRemainingTooLarge", R"({"credits":{"remaining":1000000000001}})", "credits.remaining"},
    {"CreditsRemainingNotAnInteger", R"({"credits":{"remaining":2.5}})", "credits.remaining"},
    {"CreditsUnknownField", R"({"credits":{"remaining":1,"cost":2}})", "credits.cost"},
    {"CreditsRefillNotAnObject", R"({"credits":{"remaining":1,"refill":"daily"}})", "credits.refill"},
    {"CreditsRefillAmountZero", R"({"credits":{"remaining":1,"refill":{"amount":0,"interval":"day"}}})",
     "credits.refill.amount"},
    {"CreditsRefillIntervalWeek", R"({"credits":{"remaining":1,"refill":{"amount":5,"interval":"week"}}})",
     "credits.refill.interval"},
    {"CreditsRefillIntervalMissing", R"({"credits":{"remaining":1,"refill":{"amount":5}}})", "credits.refill.interval"},
    // One good field does not let a bad one through: nothing is changed.
    {"GoodAndBadField", R"({"name":"fine","scopes":"bad"})", "scopes"},
};

class E2eKeyPatchValidationTest : public E2eKeyRoutesTest, public ::testing::WithParamInterface<BadPatch> {};

// The bad PATCH is 400 validation_failed naming the field, and the key is unchanged.
TEST_P(E2eKeyPatchValidationTest, IsRefusedAndChangesNothing) {
  const BadPatch& c = GetParam();
  EXPECT_TRUE(isValidationError(patchKeyRaw(owner_, key_.id, c.body), c.field)) << c.body.substr(0, 200);
  expectUnchanged();
}

INSTANTIATE_TEST_SUITE_P(BadInput, E2eKeyPatchValidationTest, ::testing::ValuesIn(kBadPatches),
                         [](const ::testing::TestParamInfo<BadPatch>& info) { return std::string(info.param.name); });

// A PATCH body that is not JSON: 400 invalid_json, nothing changed.
TEST_F(E2eKeyRoutesTest, PatchInvalidJsonIs400) {
  EXPECT_TRUE(isError(patchKeyRaw(owner_, key_.id, R"({"name":)"), 400, "invalid_json"));
  expectUnchanged();
}

// ---- Rotation validation, one case per bad input ------------------------------------------------

struct BadRotate {
  const char* name;
  std::string body;
  const char* field;
};

void PrintTo(const BadRotate& c, std::ostream* os) { *os << c.name; }

const std::vector<BadRotate> kBadRotations{
    {"GraceNegative", R"({"gracePeriodSeconds":-1})", "gracePeriodSeconds"},
    {"GraceOver30Days", R"({"gracePeriodSeconds":2592001})", "gracePeriodSeconds"},
    {"GraceHuge", R"({"gracePeriodSeconds":1e30})", "gracePeriodSeconds"},
    {"GraceFraction", R"({"gracePeriodSeconds":1.5})", "gracePeriodSeconds"},
    {"GraceString", R"({"gracePeriodSeconds":"60"})", "gracePeriodSeconds"},
    {"GraceBoolean", R"({"gracePeriodSeconds":true})", "gracePeriodSeconds"},
    {"UnknownField", R"({"gracePeriodSeconds":60,"graceSeconds":60})", "graceSeconds"},
    {"BodyIsAnArray", "[]", ""},
};

class E2eKeyRotateValidationTest : public E2eKeyRoutesTest, public ::testing::WithParamInterface<BadRotate> {};

// The bad rotation is 400 validation_failed naming the field; no key is made and the old one is unchanged.
TEST_P(E2eKeyRotateValidationTest, IsRefusedAndMakesNoKey) {
  const BadRotate& c = GetParam();
  const auto r =
      request(testEnv().nginxPort, "POST", "/keys/" + key_.id + "/rotate",
              {{"Authorization", "Bearer " + owner_.accessToken}, {"Content-Type", "application/json"}}, c.body);
  EXPECT_TRUE(isValidationError(r, c.field)) << c.body;
  EXPECT_EQ(listKeys(owner_).size(), 1u);
  expectUnchanged();
}

INSTANTIATE_TEST_SUITE_P(BadInput, E2eKeyRotateValidationTest, ::testing::ValuesIn(kBadRotations),
                         [](const ::testing::TestParamInfo<BadRotate>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace authd::testing
