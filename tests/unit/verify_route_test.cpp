#include "http/verify_route.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "support/offline_config.hpp"
#include "support/routes.hpp"

namespace authd::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of a response header, or nullopt when it is absent.
using testing::headerOf;

verify::Verdict denied(Code c) {
  verify::Verdict v;
  v.error = c;
  return v;
}

verify::Verdict allowedJwt() {
  verify::Verdict v;
  v.authType = "jwt";
  v.userId = "u-1";
  return v;
}

verify::Verdict allowedKey() {
  verify::Verdict v;
  v.authType = "apiKey";
  v.userId = "u-1";
  v.keyId = "k-1";
  v.scopes = "reports:read,reports:write";
  v.rate = {.allowed = true, .limit = 100, .remaining = 99, .resetSeconds = 42, .shared = true};
  return v;
}

// An allowed JWT: 200 and exactly the identity headers nginx forwards (no X-Key-Id, no RateLimit-*).
TEST(VerdictResponse, AllowedJwtCarriesItsIdentityOnly) {
  const HttpResponse r = verdictResponse(allowedJwt());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers, (Headers{{"X-Auth-Type", "jwt"}, {"X-User-Id", "u-1"}, {"X-Auth-Scopes", ""}}));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.logAuthType, "jwt");
  EXPECT_EQ(r.logSubject, "u-1");
  EXPECT_TRUE(r.logError.empty());
}

// An allowed key with a limit: RateLimit-* first, then type, user, key and scopes; the log names the key.
TEST(VerdictResponse, AllowedKeyCarriesKeyScopesAndRateLimit) {
  const HttpResponse r = verdictResponse(allowedKey());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers, (Headers{{"RateLimit-Limit", "100"},
                                {"RateLimit-Remaining", "99"},
                                {"RateLimit-Reset", "42"},
                                {"X-Auth-Type", "apiKey"},
                                {"X-User-Id", "u-1"},
                                {"X-Key-Id", "k-1"},
                                {"X-Auth-Scopes", "reports:read,reports:write"}}));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.logAuthType, "apiKey");
  EXPECT_EQ(r.logSubject, "k-1");
}

// No credential: 401 with the bare RFC 6750 challenge (no error attribute).
TEST(VerdictResponse, MissingCredentialsIsTheBareChallenge) {
  const HttpResponse r = verdictResponse(denied(Code::kMissingCredentials));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers,
            (Headers{{"X-Auth-Error", "missing_credentials"}, {"WWW-Authenticate", "Bearer realm=\"authd\""}}));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.logError, "missing_credentials");
}

// Every bad credential: 401 with error="invalid_token" in the challenge, and the key id (if any) in the log.
TEST(VerdictResponse, InvalidCredentialsNameInvalidTokenInTheChallenge) {
  for (const Code c :
       {Code::kInvalidToken, Code::kTokenExpired, Code::kTokenRevoked, Code::kMalformedKey, Code::kInvalidKey,
        Code::kKeyExpired, Code::kKeyRevoked, Code::kWrongCredentialType, Code::kInvalidCredentials}) {
    SCOPED_TRACE(codeName(c));
    verify::Verdict v = denied(c);
    v.keyId = "k-9";
    const HttpResponse r = verdictResponse(v);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", std::string(codeName(c))},
                                  {"WWW-Authenticate", "Bearer realm=\"authd\", error=\"invalid_token\""}}));
    EXPECT_EQ(r.logError, codeName(c));
    EXPECT_EQ(r.logSubject, "k-9");
  }
}

// A missing scope or an inactive user: 403 with only X-Auth-Error (no challenge, no Retry-After).
TEST(VerdictResponse, ForbiddenHasNoChallenge) {
  for (const Code c : {Code::kInsufficientScope, Code::kUserInactive}) {
    SCOPED_TRACE(codeName(c));
    const HttpResponse r = verdictResponse(denied(c));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", std::string(codeName(c))}}));
    EXPECT_TRUE(r.body.empty());
  }
}

// Over the limit: 403 rate_limited with RateLimit-* and Retry-After = when one more request would be admitted
// (in a sliding window, not the window's reset).
TEST(VerdictResponse, RateLimitedCarriesRetryAfterAndRateLimit) {
  verify::Verdict v = denied(Code::kRateLimited);
  v.keyId = "k-1";
  v.rate = {.allowed = false, .limit = 10, .remaining = 0, .resetSeconds = 17, .retryAfterSeconds = 23, .shared = true};
  const HttpResponse r = verdictResponse(v);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers, (Headers{{"RateLimit-Limit", "10"},
                                {"RateLimit-Remaining", "0"},
                                {"RateLimit-Reset", "17"},
                                {"X-Auth-Error", "rate_limited"},
                                {"Retry-After", "23"}}));
  EXPECT_EQ(r.logError, "rate_limited");
  EXPECT_EQ(r.logSubject, "k-1");
}

// Out of credits: 403 usage_exceeded, with Retry-After to the next refill when the key has one (else none).
TEST(VerdictResponse, UsageExceededCarriesRetryAfterOnlyWithARefill) {
  verify::Verdict v = denied(Code::kUsageExceeded);
  v.keyId = "k-1";
  v.creditsRetryAfter = 3600;
  HttpResponse r = verdictResponse(v);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "usage_exceeded"}, {"Retry-After", "3600"}}));
  EXPECT_EQ(r.logSubject, "k-1");
  v.creditsRetryAfter = 0;
  r = verdictResponse(v);
  EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "usage_exceeded"}}));
}

// An allowed key with credits says what remains after this request; a key without credits says nothing.
TEST(VerdictResponse, AllowedKeyWithCreditsCarriesTheRemainder) {
  verify::Verdict v = allowedKey();
  v.creditsRemaining = 0;
  EXPECT_EQ(headerOf(verdictResponse(v), "X-Credits-Remaining"), "0");
  EXPECT_FALSE(headerOf(verdictResponse(allowedKey()), "X-Credits-Remaining"));
}

// Credits unavailable (Redis down, a key with credits) is a 503 like any outage: nginx fails closed.
TEST(VerdictResponse, CacheUnavailableIs503) {
  const HttpResponse r = verdictResponse(denied(Code::kCacheUnavailable));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "cache_unavailable"}}));
}

// cost: absent or empty is 1; whole numbers 0..1000; anything else is refused.
TEST(ParseCost, WholeNumbersUpTo1000) {
  EXPECT_EQ(parseCost(std::nullopt), 1);
  EXPECT_EQ(parseCost(""), 1);
  EXPECT_EQ(parseCost("0"), 0);
  EXPECT_EQ(parseCost("7"), 7);
  EXPECT_EQ(parseCost("1000"), 1000);
  for (const char* bad : {"1001", "-1", "+1", "1.5", "1e3", " 1", "1 ", "abc", "0x10", "99999999999999999999"}) {
    EXPECT_FALSE(parseCost(bad)) << "'" << bad << "'";
  }
}

// An outage is 503 database_unavailable, never a 401/403: no challenge, no identity.
TEST(VerdictResponse, DatabaseUnavailableIs503) {
  const HttpResponse r = verdictResponse(denied(Code::kDatabaseUnavailable));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "database_unavailable"}}));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.logError, "database_unavailable");
}

// invalid_mode goes through the table: 400 with only X-Auth-Error, an empty body, as before.
TEST(VerdictResponse, InvalidModeIs400WithOnlyTheHeader) {
  const HttpResponse r = verdictResponse(denied(Code::kInvalidMode));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "invalid_mode"}}));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.logError, "invalid_mode");
  EXPECT_TRUE(r.logSubject.empty());
}

// Whatever the verdict, the body is empty, and a denial never carries identity headers even if the verdict knows who.
TEST(VerdictResponse, BodyAlwaysEmptyAndDenialsCarryNoIdentity) {
  EXPECT_TRUE(verdictResponse(allowedJwt()).body.empty());
  EXPECT_TRUE(verdictResponse(allowedKey()).body.empty());
  for (size_t i = 0; i < kCodeCount; ++i) {
    verify::Verdict v = allowedKey();
    v.error = static_cast<Code>(i);
    const HttpResponse r = verdictResponse(v);
    SCOPED_TRACE(codeName(*v.error));
    EXPECT_TRUE(r.body.empty());
    EXPECT_GE(r.status, 400);
    EXPECT_EQ(headerOf(r, "X-Auth-Error"), std::string(codeName(*v.error)));
    for (const char* identity : {"X-Auth-Type", "X-User-Id", "X-Key-Id", "X-Auth-Scopes"}) {
      EXPECT_FALSE(headerOf(r, identity)) << identity;
    }
    EXPECT_TRUE(r.logAuthType.empty());
  }
}

// The route as App registers it. App's constructor wires everything but connects to nothing
// (pools are lazy), so decisions that need no store can be asked through the Router.
class VerifyRoute : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = testing::offlineAppConfig();
    ASSERT_TRUE(c) << c.error();
    config_ = std::make_unique<config::Config>(*c);
    app_ = std::make_unique<App>(*config_);
  }
  static void TearDownTestSuite() {
    // Its stop-time flush warns that Redis is unreachable: expected here, so not shown.
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::off);
    app_.reset();
    spdlog::set_level(level);
    config_.reset();
  }

  // GET /verify with these query parameters and request headers, through the Router.
  static HttpResponse verify(std::vector<std::pair<std::string, std::string>> query,
                             std::optional<std::string> authorization = std::nullopt,
                             std::optional<std::string> apiKey = std::nullopt) {
    HttpRequest req;
    req.method = Method::kGet;
    req.path = "/verify";
    req.query = std::move(query);
    testing::setHeader(req, Hdr::kAuthorization, std::move(authorization));
    testing::setHeader(req, Hdr::kApiKey, std::move(apiKey));
    const Match m = app_->router().match(req);
    EXPECT_TRUE(m.route && m.route->exec == Exec::kInline) << "GET /verify must be an inline route";
    return testing::dispatch(app_->router(), req);
  }

  static inline std::unique_ptr<config::Config> config_;
  static inline std::unique_ptr<App> app_;
};

// A mode other than jwt, apikey or any (or an empty one) is 400 invalid_mode before any credential is read.
TEST_F(VerifyRoute, UnknownModeIs400InvalidMode) {
  for (const char* mode : {"bogus", "", "JWT", "api_key"}) {
    SCOPED_TRACE(mode);
    const HttpResponse r = verify({{"mode", mode}}, "Bearer sk_whatever");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "invalid_mode"}}));
    EXPECT_TRUE(r.body.empty());
  }
}

// Without a mode the route accepts any kind: no credential at all is 401 missing_credentials.
TEST_F(VerifyRoute, NoModeMeansAny) {
  const HttpResponse r = verify({});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(headerOf(r, "X-Auth-Error"), "missing_credentials");
  EXPECT_EQ(headerOf(r, "WWW-Authenticate"), "Bearer realm=\"authd\"");
}

// The parsed mode reaches the verifier: a JWT-shaped bearer on an apikey route is the wrong kind, on a
// jwt route a bad token.
TEST_F(VerifyRoute, ModeIsPassedToTheVerifier) {
  const HttpResponse wrongKind = verify({{"mode", "apikey"}}, "Bearer not.a.jwt");
  EXPECT_EQ(wrongKind.status, 401);
  EXPECT_EQ(headerOf(wrongKind, "X-Auth-Error"), "wrong_credential_type");
  const HttpResponse badToken = verify({{"mode", "jwt"}}, "Bearer not.a.jwt");
  EXPECT_EQ(badToken.status, 401);
  EXPECT_EQ(headerOf(badToken, "X-Auth-Error"), "invalid_token");
  EXPECT_EQ(headerOf(badToken, "WWW-Authenticate"), "Bearer realm=\"authd\", error=\"invalid_token\"");
}

// A bad cost is 400 invalid_cost, header only, before any credential is read; a good one passes on.
TEST_F(VerifyRoute, BadCostIs400InvalidCost) {
  for (const char* cost : {"-1", "1001", "two", "1.0"}) {
    SCOPED_TRACE(cost);
    const HttpResponse r = verify({{"mode", "apikey"}, {"cost", cost}}, std::nullopt, "sk_malformed");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.headers, (Headers{{"X-Auth-Error", "invalid_cost"}}));
    EXPECT_TRUE(r.body.empty());
  }
  for (const char* cost : {"", "0", "1000"}) {
    const HttpResponse r = verify({{"mode", "apikey"}, {"cost", cost}}, std::nullopt, "sk_malformed");
    EXPECT_EQ(headerOf(r, "X-Auth-Error"), "malformed_key") << cost;
  }
}

// The x-api-key header reaches the verifier: a malformed key is refused without any store.
TEST_F(VerifyRoute, ApiKeyHeaderIsRead) {
  const HttpResponse r = verify({{"mode", "apikey"}}, std::nullopt, "sk_malformed");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(headerOf(r, "X-Auth-Error"), "malformed_key");
}

}  // namespace
}  // namespace authd::http
