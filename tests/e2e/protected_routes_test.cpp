// The demo protected routes through nginx, as a client sees them: every route
// (user-only, service-only, flexible, reports) against every kind of
// credential, good and bad. One parameterised test per credential kind; each
// row of the table says what each route must answer. Denials are checked as
// carefully as successes: exact status, code, message, the JSON error shape
// and WWW-Authenticate on 401s. Every test signs up its own user.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "http/error_table.hpp"
#include "keys/api_key.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/matchers.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"
#include "tokens/access_tokens.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// ---- The routes --------------------------------------------------------------

struct Route {
  const char* path;
  const char* name;  // "route" in the 200 body
};

constexpr std::array<Route, 4> kRoutes{{
    {"/protected/user-only", "user-only"},
    {"/protected/service-only", "service-only"},
    {"/protected/flexible", "flexible"},
    {"/protected/reports", "reports"},
}};

// ---- What a route must answer --------------------------------------------------

// 200 with this authType, or a denial with this status and code.
struct Expect {
  int status;
  std::string_view what;  // authType for a 200, the error code otherwise
};

constexpr Expect kJwtOk{200, "jwt"};
constexpr Expect kKeyOk{200, "apiKey"};
constexpr Expect deny401(std::string_view code) { return {401, code}; }
constexpr Expect deny403(std::string_view code) { return {403, code}; }
constexpr Expect kWrongType = deny401("wrong_credential_type");

// A credential as sent, and who it belongs to (for the 200 body).
struct Credential {
  Headers headers;
  std::string userId;
  std::string keyId;  // empty for a JWT
};

// The code with this stable name (for its default message), if any.
std::optional<Code> codeNamed(std::string_view name) {
  for (size_t i = 0; i < kCodeCount; ++i) {
    const auto c = static_cast<Code>(i);
    if (codeName(c) == name) return c;
  }
  return std::nullopt;
}

// A denial: the status, {statusCode, error, message, code} as JSON with the message authd's table gives the code,
// and on a 401 the RFC 6750 challenge.
::testing::AssertionResult isDenial(const std::optional<HttpResult>& r, int status, std::string_view code) {
  if (!r) return ::testing::AssertionFailure() << describe(r);
  if (r->status != status)
    return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got " << *r;
  if (!r->header("content-type").starts_with("application/json"))
    return ::testing::AssertionFailure() << "Content-Type '" << r->header("content-type") << "': " << *r;
  const json j = r->json();
  if (j.is_discarded() || !j.is_object()) return ::testing::AssertionFailure() << "not a JSON object: " << *r;
  if (j.size() != 4) return ::testing::AssertionFailure() << "expected exactly statusCode/error/message/code: " << *r;
  if (j.value("statusCode", 0) != status) return ::testing::AssertionFailure() << "statusCode differs: " << *r;
  if (j.value("code", "") != code) return ::testing::AssertionFailure() << "expected code " << code << ", got " << *r;
  const std::string_view reason = status == 401 ? "Unauthorized" : status == 403 ? "Forbidden" : "Too Many Requests";
  if (j.value("error", "") != reason) return ::testing::AssertionFailure() << "expected error " << reason << ": " << *r;
  const auto c = codeNamed(code);
  if (!c) return ::testing::AssertionFailure() << "test bug: no code named " << code;
  if (j.value("message", "") != http::messageOf(*c))
    return ::testing::AssertionFailure() << "expected message '" << http::messageOf(*c) << "': " << *r;
  const std::string challenge = r->header("www-authenticate");
  if (status == 401) {
    const std::string want = bearerChallenge(code);
    if (challenge != want)
      return ::testing::AssertionFailure()
             << "WWW-Authenticate '" << challenge << "', expected '" << want << "': " << *r;
  }
  // Identity never leaks into a denial.
  if (!r->header("x-user-id").empty() || !r->header("x-key-id").empty())
    return ::testing::AssertionFailure() << "identity headers on a denial: " << *r;
  return ::testing::AssertionSuccess();
}

// A 200 from the demo upstream: exactly {route, authType, userId, keyId} and no rate-limit headers (unlimited keys).
::testing::AssertionResult isAllowed(const std::optional<HttpResult>& r, const Route& route, std::string_view authType,
                                     const Credential& c) {
  if (!r) return ::testing::AssertionFailure() << describe(r);
  if (r->status != 200) return ::testing::AssertionFailure() << "expected 200 " << authType << ", got " << *r;
  if (!r->header("content-type").starts_with("application/json"))
    return ::testing::AssertionFailure() << "Content-Type '" << r->header("content-type") << "': " << *r;
  const json j = r->json();
  if (j.is_discarded() || !j.is_object() || j.size() != 4)
    return ::testing::AssertionFailure() << "expected exactly {route, authType, userId, keyId}: " << *r;
  if (j.value("route", "") != route.name) return ::testing::AssertionFailure() << "route: " << *r;
  if (j.value("authType", "") != authType) return ::testing::AssertionFailure() << "authType: " << *r;
  if (c.userId.empty() || j.value("userId", "") != c.userId)
    return ::testing::AssertionFailure() << "userId, expected " << c.userId << ": " << *r;
  if (!j.contains("keyId")) return ::testing::AssertionFailure() << "no keyId: " << *r;
  if (authType == "jwt") {
    if (!j["keyId"].is_null()) return ::testing::AssertionFailure() << "keyId must be null for a JWT: " << *r;
  } else if (c.keyId.empty() || j["keyId"] != c.keyId) {
    return ::testing::AssertionFailure() << "keyId, expected " << c.keyId << ": " << *r;
  }
  if (!r->header("ratelimit-limit").empty() || !r->header("ratelimit-remaining").empty())
    return ::testing::AssertionFailure() << "rate-limit headers for an unlimited credential: "
                                         << r->header("ratelimit-limit") << " " << *r;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult answers(const std::optional<HttpResult>& r, const Route& route, const Expect& e,
                                   const Credential& c) {
  if (e.status == 200) return isAllowed(r, route, e.what, c);
  return isDenial(r, e.status, e.what);
}

// ---- The stack's state, set up per test -------------------------------------------

// /verify on instance n in this mode, as nginx would call it.
std::optional<HttpResult> verifyInMode(int n, std::string_view mode, const Headers& h) {
  return verifyOn(n, "?mode=" + std::string(mode), h);
}

// Waits until both instances answer `code` for the credential (their caches were warm before the change).
void waitUntilBothSay(const Headers& h, std::string_view mode, std::string_view code) {
  for (const int n : {1, 2}) {
    std::optional<HttpResult> last;
    const bool seen = eventually(
        [&] {
          last = verifyInMode(n, mode, h);
          return last && last->header("x-auth-error") == code;
        },
        2s);
    ASSERT_TRUE(seen) << "instance " << n << " still answers " << describe(last) << " X-Auth-Error '"
                      << (last ? last->header("x-auth-error") : "") << "', expected " << code;
  }
}

// Both instances accept the credential now (so their caches hold it before it changes).
void warm(const Headers& h, std::string_view mode) {
  for (const int n : {1, 2}) {
    const auto r = verifyInMode(n, mode, h);
    ASSERT_TRUE(r && r->status == 200) << "instance " << n << ": " << describe(r);
  }
}

// The key with its last (checksum) hex digit changed.
std::string flipLastDigit(std::string key) {
  key.back() = key.back() == '0' ? '1' : '0';
  return key;
}

std::string issueToken(const std::string& secret, const Clock& clock, const Account& a) {
  return tokens::AccessTokens::createHs256(secret, "authd", 1h, clock)->issue(a.id, a.email);
}

// ---- The matrix ------------------------------------------------------------------

enum class Kind {
  kJwt,
  kJwtCraftedWithRealSecret,
  kKeyHeader,
  kKeyBearer,
  kScopedKeyHeader,
  kScopedKeyBearer,
  kNone,
  kEmptyApiKeyHeader,
  kGarbageBearer,
  kGarbageApiKey,
  kBadChecksumHeader,
  kBadChecksumBearer,
  kUnknownKeyHeader,
  kUnknownKeyBearer,
  kUpperCaseKey,
  kExpiredKey,
  kRevokedKey,
  kExpiredJwt,
  kJwtOtherSecret,
  kLoggedOutJwt,
  kInactiveUserJwt,
  kInactiveUserKey,
};

struct Case {
  const char* name;
  Kind kind;
  std::array<Expect, 4> expect;  // user-only, service-only, flexible, reports
};

const Expect kScope403 = deny403("insufficient_scope");
const Expect kInactive = deny403("user_inactive");

const std::vector<Case> kCases{
    // A valid JWT: JWT routes only; /protected/reports needs a scope only keys carry.
    {"ValidJwt", Kind::kJwt, {kJwtOk, kWrongType, kJwtOk, kScope403}},
    // Control for the forged tokens below: built in the test with the real secret, it is accepted.
    {"JwtBuiltWithRealSecret", Kind::kJwtCraftedWithRealSecret, {kJwtOk, kWrongType, kJwtOk, kScope403}},
    // A valid key without scopes, in either header: key routes only, not /protected/reports.
    {"ValidKeyInXApiKey", Kind::kKeyHeader, {kWrongType, kKeyOk, kKeyOk, kScope403}},
    {"ValidKeyAsBearer", Kind::kKeyBearer, {kWrongType, kKeyOk, kKeyOk, kScope403}},
    // A key carrying reports:read opens /protected/reports too.
    {"ScopedKeyInXApiKey", Kind::kScopedKeyHeader, {kWrongType, kKeyOk, kKeyOk, kKeyOk}},
    {"ScopedKeyAsBearer", Kind::kScopedKeyBearer, {kWrongType, kKeyOk, kKeyOk, kKeyOk}},
    // Nothing at all.
    {"NoCredentials",
     Kind::kNone,
     {deny401("missing_credentials"), deny401("missing_credentials"), deny401("missing_credentials"),
      deny401("missing_credentials")}},
    // An empty x-api-key is no credential either.
    {"EmptyApiKeyHeader",
     Kind::kEmptyApiKeyHeader,
     {deny401("missing_credentials"), deny401("missing_credentials"), deny401("missing_credentials"),
      deny401("missing_credentials")}},
    // "Bearer garbage" is a (bad) JWT.
    {"GarbageBearer",
     Kind::kGarbageBearer,
     {deny401("invalid_token"), kWrongType, deny401("invalid_token"), deny401("invalid_token")}},
    // "x-api-key: garbage" is a (malformed) key.
    {"GarbageApiKey",
     Kind::kGarbageApiKey,
     {kWrongType, deny401("malformed_key"), deny401("malformed_key"), deny401("malformed_key")}},
    // A real key with its checksum digit changed: malformed, never looked up.
    {"BadChecksumInXApiKey",
     Kind::kBadChecksumHeader,
     {kWrongType, deny401("malformed_key"), deny401("malformed_key"), deny401("malformed_key")}},
    {"BadChecksumAsBearer",
     Kind::kBadChecksumBearer,
     {kWrongType, deny401("malformed_key"), deny401("malformed_key"), deny401("malformed_key")}},
    // Well-formed (valid checksum) but never issued.
    {"UnknownKeyInXApiKey",
     Kind::kUnknownKeyHeader,
     {kWrongType, deny401("invalid_key"), deny401("invalid_key"), deny401("invalid_key")}},
    {"UnknownKeyAsBearer",
     Kind::kUnknownKeyBearer,
     {kWrongType, deny401("invalid_key"), deny401("invalid_key"), deny401("invalid_key")}},
    // Keys are lowercase: a real key upper-cased is malformed, not another spelling of the key.
    {"UpperCasedKey",
     Kind::kUpperCaseKey,
     {kWrongType, deny401("malformed_key"), deny401("malformed_key"), deny401("malformed_key")}},
    // Expired by SQL (no pub/sub): the PostgreSQL change poll evicts the caches.
    {"ExpiredKey",
     Kind::kExpiredKey,
     {kWrongType, deny401("key_expired"), deny401("key_expired"), deny401("key_expired")}},
    // Revoked with DELETE /keys/:id.
    {"RevokedKey",
     Kind::kRevokedKey,
     {kWrongType, deny401("key_revoked"), deny401("key_revoked"), deny401("key_revoked")}},
    // Signed with the real secret, past its exp.
    {"ExpiredJwt",
     Kind::kExpiredJwt,
     {deny401("token_expired"), kWrongType, deny401("token_expired"), deny401("token_expired")}},
    // Well-formed, for a real user, signed with another secret.
    {"JwtSignedWithAnotherSecret",
     Kind::kJwtOtherSecret,
     {deny401("invalid_token"), kWrongType, deny401("invalid_token"), deny401("invalid_token")}},
    // Logged out: the access token is denied by jti.
    {"LoggedOutJwt",
     Kind::kLoggedOutJwt,
     {deny401("token_revoked"), kWrongType, deny401("token_revoked"), deny401("token_revoked")}},
    // The user deactivated by SQL: authenticated but forbidden (the route's kind is still checked first).
    {"InactiveUserJwt", Kind::kInactiveUserJwt, {kInactive, kWrongType, kInactive, kInactive}},
    {"InactiveUserKey", Kind::kInactiveUserKey, {kWrongType, kInactive, kInactive, kInactive}},
};

// Brings the stack into the state the case needs and returns the credential to send.
Credential prepare(Kind kind) {
  const Account a = signup(testEnv().nginxPort, "e2e-prot-case");
  if (a.id.empty()) return {};
  Credential c;
  c.userId = a.id;
  const auto plainKey = [&a] { return createKnownKey(testEnv().nginxPort, a, {{"name", "plain"}}); };
  switch (kind) {
    case Kind::kJwt: c.headers = bearer(a.accessToken); break;
    case Kind::kJwtCraftedWithRealSecret: {
      const SystemClock clock;
      c.headers = bearer(issueToken(testEnv().jwtSecret, clock, a));
      break;
    }
    case Kind::kKeyHeader:
    case Kind::kKeyBearer: {
      const Key k = plainKey();
      c.keyId = k.id;
      c.headers = kind == Kind::kKeyHeader ? apiKey(k.key) : bearer(k.key);
      break;
    }
    case Kind::kScopedKeyHeader:
    case Kind::kScopedKeyBearer: {
      const Key k =
          createKnownKey(testEnv().nginxPort, a, {{"name", "scoped"}, {"scopes", {"reports:read", "other.scope"}}});
      c.keyId = k.id;
      c.headers = kind == Kind::kScopedKeyHeader ? apiKey(k.key) : bearer(k.key);
      break;
    }
    case Kind::kNone: break;
    case Kind::kEmptyApiKeyHeader: c.headers = {{"x-api-key", ""}}; break;
    case Kind::kGarbageBearer: c.headers = bearer("garbage"); break;
    case Kind::kGarbageApiKey: c.headers = apiKey("garbage"); break;
    case Kind::kBadChecksumHeader:
    case Kind::kBadChecksumBearer: {
      const std::string bad = flipLastDigit(plainKey().key);
      EXPECT_FALSE(keys::isWellFormedKey(bad)) << bad;
      c.headers = kind == Kind::kBadChecksumHeader ? apiKey(bad) : bearer(bad);
      break;
    }
    case Kind::kUnknownKeyHeader:
    case Kind::kUnknownKeyBearer: {
      const std::string unknown = unknownWellFormedKey();
      EXPECT_TRUE(keys::isWellFormedKey(unknown)) << "the test's CRC32 differs from authd's: " << unknown;
      c.headers = kind == Kind::kUnknownKeyHeader ? apiKey(unknown) : bearer(unknown);
      break;
    }
    case Kind::kUpperCaseKey: {
      std::string upper = plainKey().key;
      for (size_t i = 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
      c.headers = apiKey(upper);
      break;
    }
    case Kind::kExpiredKey: {
      const Key k = plainKey();
      c.headers = apiKey(k.key);
      warm(c.headers, "apikey");
      EXPECT_EQ(execSql("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid", k.id), 1);
      waitUntilBothSay(c.headers, "apikey", "key_expired");
      break;
    }
    case Kind::kRevokedKey: {
      const Key k = plainKey();
      c.headers = apiKey(k.key);
      warm(c.headers, "apikey");
      const auto del = request(testEnv().nginxPort, "DELETE", "/keys/" + k.id, bearer(a.accessToken));
      EXPECT_TRUE(del && (del->status == 200 || del->status == 204)) << describe(del);
      waitUntilBothSay(c.headers, "apikey", "key_revoked");
      break;
    }
    case Kind::kExpiredJwt: {
      const FakeClock twoHoursAgo(std::chrono::system_clock::now() - 2h);
      c.headers = bearer(issueToken(testEnv().jwtSecret, twoHoursAgo, a));
      break;
    }
    case Kind::kJwtOtherSecret: {
      const SystemClock clock;
      c.headers = bearer(issueToken(crypto::toHex(crypto::randomBytes(32)), clock, a));
      break;
    }
    case Kind::kLoggedOutJwt: {
      c.headers = bearer(a.accessToken);
      warm(c.headers, "jwt");
      const auto out = request(testEnv().nginxPort, "POST", "/auth/logout", c.headers);
      EXPECT_TRUE(out && (out->status == 200 || out->status == 204)) << describe(out);
      waitUntilBothSay(c.headers, "jwt", "token_revoked");
      break;
    }
    case Kind::kInactiveUserJwt:
    case Kind::kInactiveUserKey: {
      if (kind == Kind::kInactiveUserJwt) {
        c.headers = bearer(a.accessToken);
      } else {
        const Key k = plainKey();
        c.keyId = k.id;
        c.headers = apiKey(k.key);
      }
      const std::string_view mode = kind == Kind::kInactiveUserJwt ? "jwt" : "apikey";
      warm(c.headers, mode);
      EXPECT_EQ(execSql("UPDATE users SET is_active = false WHERE id = $1::uuid", a.id), 1);
      waitUntilBothSay(c.headers, mode, "user_inactive");
      break;
    }
  }
  return c;
}

// What a failing case prints as its parameter.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class E2eProtectedRoutesTest : public ::testing::TestWithParam<Case> {};

// Each route answers this credential exactly as the row says, on every request (nginx spreads them over both
// authd instances, so each route is asked several times).
TEST_P(E2eProtectedRoutesTest, EachRouteAnswersAsSpecified) {
  const Case& tc = GetParam();
  const Credential c = prepare(tc.kind);
  ASSERT_FALSE(c.userId.empty()) << "set-up failed";
  ASSERT_FALSE(::testing::Test::HasFailure()) << "set-up failed";
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < kRoutes.size(); ++i) {
      const Route& route = kRoutes[i];
      const auto r = get(testEnv().nginxPort, route.path, c.headers);
      EXPECT_TRUE(answers(r, route, tc.expect[i], c)) << tc.name << " on " << route.path << " (round " << round << ")";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Credentials, E2eProtectedRoutesTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Headers a client sends to impersonate someone are not trusted: with no credential the answer is still 401, and
// with a real JWT the body names the token's user, not the spoofed one.
TEST(E2eProtectedRoutesGuardTest, SpoofedIdentityHeadersAreIgnored) {
  const Account a = signup(testEnv().nginxPort, "e2e-prot-spoof");
  ASSERT_FALSE(a.id.empty());
  const Headers spoof{{"X-User-Id", crypto::uuidV4()},
                      {"X-Auth-Type", "jwt"},
                      {"X-Key-Id", crypto::uuidV4()},
                      {"X-Auth-Scopes", "reports:read"}};
  for (const Route& route : kRoutes) {
    EXPECT_TRUE(isDenial(get(testEnv().nginxPort, route.path, spoof), 401, "missing_credentials")) << route.path;
  }
  Headers withJwt = spoof;
  withJwt.emplace_back("Authorization", "Bearer " + a.accessToken);
  Credential c{withJwt, a.id, ""};
  EXPECT_TRUE(isAllowed(get(testEnv().nginxPort, "/protected/flexible", withJwt), kRoutes[2], "jwt", c));
  EXPECT_TRUE(isDenial(get(testEnv().nginxPort, "/protected/reports", withJwt), 403, "insufficient_scope"));
}

// Other methods on a guarded route are guarded too: a POST without credentials is refused, never served.
TEST(E2eProtectedRoutesGuardTest, OtherMethodsAreGuardedToo) {
  for (const Route& route : kRoutes) {
    for (const char* method : {"POST", "PUT", "DELETE"}) {
      const auto r = request(testEnv().nginxPort, method, route.path, {{"Content-Type", "application/json"}}, "{}");
      ASSERT_TRUE(r) << describe(r);
      EXPECT_NE(r->status / 100, 2) << method << " " << route.path << ": " << *r;
      EXPECT_EQ(r->body.find("\"route\""), std::string::npos) << method << " " << route.path << ": " << *r;
    }
  }
}

// ---- Both kinds at once: a route reads only the credentials of the kinds it accepts --------------------------

enum class Sent { kNone, kValid, kInvalid };

const char* nameOf(Sent s) { return s == Sent::kNone ? "none" : s == Sent::kValid ? "valid" : "invalid"; }

// What a route of `mode` answers for this JWT (Authorization) and key (x-api-key): jwt routes never read the key,
// apikey routes never read the JWT, `any` lets x-api-key decide when both are sent. Only a credential of the other
// kind is wrong_credential_type.
Expect expectedFor(std::string_view mode, Sent jwt, Sent key) {
  const auto jwtVerdict = [&] { return jwt == Sent::kValid ? kJwtOk : deny401("invalid_token"); };
  const auto keyVerdict = [&] { return key == Sent::kValid ? kKeyOk : deny401("invalid_key"); };
  if (mode == "jwt") {
    if (jwt != Sent::kNone) return jwtVerdict();
    return key != Sent::kNone ? kWrongType : deny401("missing_credentials");
  }
  if (mode == "apikey") {
    if (key != Sent::kNone) return keyVerdict();
    return jwt != Sent::kNone ? kWrongType : deny401("missing_credentials");
  }
  if (key != Sent::kNone) return keyVerdict();
  if (jwt != Sent::kNone) return jwtVerdict();
  return deny401("missing_credentials");
}

// Every (route mode) x (JWT none/valid/invalid) x (key none/valid/invalid), through nginx on the demo route of that
// mode and on /verify of both instances: a valid JWT opens a JWT-only route whatever x-api-key holds, and a valid
// x-api-key opens a key-only route whatever Authorization holds.
TEST(E2eProtectedRoutesGuardTest, EachModeReadsOnlyTheKindsItAccepts) {
  const Account a = signup(testEnv().nginxPort, "e2e-prot-both");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKnownKey(testEnv().nginxPort, a, {{"name", "both"}});
  ASSERT_FALSE(k.key.empty());
  std::string badJwt = a.accessToken;
  badJwt.back() = badJwt.back() == 'A' ? 'B' : 'A';
  const std::string badKey = unknownWellFormedKey();
  const std::array<std::pair<std::string_view, Route>, 3> modes{
      {{"jwt", kRoutes[0]}, {"apikey", kRoutes[1]}, {"any", kRoutes[2]}}};
  for (const Sent jwt : {Sent::kNone, Sent::kValid, Sent::kInvalid}) {
    for (const Sent key : {Sent::kNone, Sent::kValid, Sent::kInvalid}) {
      Headers h;
      if (jwt != Sent::kNone)
        h.emplace_back("Authorization", "Bearer " + (jwt == Sent::kValid ? a.accessToken : badJwt));
      if (key != Sent::kNone) h.emplace_back("x-api-key", key == Sent::kValid ? k.key : badKey);
      for (const auto& [mode, route] : modes) {
        const Expect e = expectedFor(mode, jwt, key);
        const Credential c{h, a.id, e.what == "apiKey" ? k.id : ""};
        const std::string what = std::string(mode) + " route, JWT " + nameOf(jwt) + ", key " + nameOf(key);
        EXPECT_TRUE(answers(get(testEnv().nginxPort, route.path, h), route, e, c)) << what << " through nginx";
        for (const int n : {1, 2}) {
          const auto v = verifyInMode(n, mode, h);
          ASSERT_TRUE(v) << describe(v);
          EXPECT_EQ(v->status, e.status) << what << " on /verify of instance " << n << ": " << *v;
          if (e.status == 200) {
            EXPECT_EQ(v->header("x-auth-type"), e.what) << what << " on /verify of instance " << n;
          } else {
            EXPECT_EQ(v->header("x-auth-error"), e.what) << what << " on /verify of instance " << n;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace authd::testing
