// The /auth routes through the route table, over a real AccountService on
// in-memory stores: what each route answers (status, headers, body fields) and
// what it leaves for the request log (auth type, subject, error code).
#include "http/account_routes.hpp"

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
#include "support/fakes/fake_account_stores.hpp"
#include "support/fakes/fake_refresh_token_store.hpp"
#include "support/fakes/fake_windowed_counter.hpp"
#include "support/routes.hpp"
#include "tokens/denylist.hpp"

namespace authd::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::bodyOf;
using testing::expectError;

constexpr std::string_view kPassword = "correct horse battery";
constexpr std::string_view kPeer = "203.0.113.7";
constexpr accounts::ThrottleLimits kLimits{.maxFailuresPerEmail = 3, .maxFailuresPerAddress = 10, .window = 60s};

// What a request carries besides its method and path.
struct Send {
  std::string body;
  std::optional<std::string> contentType = "application/json";
  std::optional<std::string> authorization;
  std::optional<std::string> apiKey;
  std::string peer = std::string(kPeer);
};

class AccountRoutesTest : public ::testing::Test {
 protected:
  AccountRoutesTest() { addAccountRoutes(router_, service_, jwt_); }

  // Dispatches through the router, as the server does, and runs the handler.
  HttpResponse call(Method method, std::string path, Send send = {}) {
    HttpRequest req;
    req.method = method;
    req.path = std::move(path);
    req.body = std::move(send.body);
    req.peer = std::move(send.peer);
    testing::setHeader(req, Hdr::kContentType, std::move(send.contentType));
    testing::setHeader(req, Hdr::kAuthorization, std::move(send.authorization));
    testing::setHeader(req, Hdr::kApiKey, std::move(send.apiKey));
    return testing::dispatch(router_, req);
  }
  HttpResponse post(std::string path, std::string body, Send send = {}) {
    send.body = std::move(body);
    return call(Method::kPost, std::move(path), std::move(send));
  }
  static Send bearer(const std::string& token) {
    Send s;
    s.authorization = "Bearer " + token;
    return s;
  }
  static Send typed(std::string contentType) {
    Send s;
    s.contentType = std::move(contentType);
    return s;
  }
  static Send apiKey(std::string key) {
    Send s;
    s.apiKey = std::move(key);
    return s;
  }

  static std::vector<std::string> keysOf(const json& j) {
    std::vector<std::string> out;
    for (const auto& [k, v] : j.items()) out.push_back(k);
    return out;
  }

  // Signs Ann up through the route; her session's body.
  json signupAnn() {
    const HttpResponse r =
        post("/auth/signup", R"({"email":"ann@example.com","password":"correct horse battery","name":"Ann"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return bodyOf(r);
  }

  FakeClock clock_;
  testing::FakeUserStore users_{clock_};
  testing::FakeRefreshTokenStore refreshStore_;
  testing::FakeWindowedCounter counter_{clock_};
  testing::FakeAccessTokenRevoker revoker_;
  std::unique_ptr<accounts::PasswordHasher> hasher_ =
      accounts::PasswordHasher::createArgon2id({.memoryKiB = 1024, .iterations = 1, .parallelism = 1});
  std::unique_ptr<tokens::AccessTokens> access_ =
      tokens::AccessTokens::createHs256("account-routes-test-secret-0123456789abcdef", "authd", 1h, clock_);
  tokens::RefreshTokens refresh_{refreshStore_, clock_, 7 * 24h};
  accounts::LoginThrottle throttle_{counter_, kLimits};
  testing::FakeEventWriter failures_;
  accounts::AccountService service_{users_, *hasher_, *access_, refresh_, throttle_, revoker_, failures_};
  tokens::Denylist denylist_;
  verify::JwtAuthenticator jwt_{*access_, denylist_, clock_};
  Router router_;
};

// The five account routes are registered, each on the worker pool (argon2 and PostgreSQL block).
TEST_F(AccountRoutesTest, RoutesAreRegisteredOnTheWorkerPool) {
  std::vector<std::pair<Method, std::string>> seen;
  for (const auto& r : router_.routes()) {
    seen.emplace_back(r.method, r.pattern);
    EXPECT_EQ(r.exec, Exec::kWorker) << r.pattern;
  }
  const std::vector<std::pair<Method, std::string>> expected{{Method::kPost, "/auth/signup"},
                                                             {Method::kPost, "/auth/login"},
                                                             {Method::kPost, "/auth/refresh"},
                                                             {Method::kPost, "/auth/logout"},
                                                             {Method::kGet, "/auth/me"}};
  EXPECT_EQ(seen, expected);
}

// Signup answers 201 with the Session shape: user {id, email, name} (no hash), an access token of that user and a
// refresh token; logged as a password login of the new user.
TEST_F(AccountRoutesTest, SignupAnswers201WithASession) {
  const HttpResponse r =
      post("/auth/signup", R"({"email":" Ann@Example.com ","password":"correct horse battery","name":" Ann "})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.contentType, "application/json");
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), (std::vector<std::string>{"accessToken", "refreshToken", "user"}));
  EXPECT_EQ(keysOf(b["user"]), (std::vector<std::string>{"email", "id", "name"}));
  const std::string id = b["user"].value("id", "");
  ASSERT_TRUE(users_.users.contains(id)) << r.body;
  EXPECT_EQ(b["user"]["email"], "Ann@Example.com");
  EXPECT_EQ(b["user"]["name"], "Ann");
  EXPECT_EQ(r.body.find("argon2"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(kPassword), std::string::npos) << r.body;

  const auto claims = access_->verify(b.value("accessToken", ""));
  ASSERT_TRUE(claims.has_value()) << codeName(claims.error().code);
  EXPECT_EQ(claims->sub, id);
  EXPECT_FALSE(b.value("refreshToken", "").empty());
  EXPECT_EQ(r.logAuthType, "password");
  EXPECT_EQ(r.logSubject, id);
  EXPECT_TRUE(r.logError.empty());
}

// A second signup with the same email (in another case) is 409 email_taken.
TEST_F(AccountRoutesTest, SignupOfATakenEmailIs409) {
  signupAnn();
  const HttpResponse r =
      post("/auth/signup", R"({"email":"ANN@example.com","password":"correct horse battery","name":"Other"})");
  expectError(r, 409, "email_taken");
  EXPECT_TRUE(r.logSubject.empty());
}

// A body that fails validation is 400 validation_failed listing every problem; nothing is stored.
TEST_F(AccountRoutesTest, SignupValidationIs400WithEveryMessage) {
  const HttpResponse r = post("/auth/signup", R"({"email":"not-an-email","password":"short","extra":1})");
  expectError(r, 400, "validation_failed");
  const json message = bodyOf(r)["message"];
  ASSERT_TRUE(message.is_array()) << r.body;
  EXPECT_GE(message.size(), 3u) << r.body;  // email, password, name (and the unknown field)
  EXPECT_TRUE(users_.users.empty());
}

// Malformed JSON is 400 invalid_json, another Content-Type 415, an empty body 400; on every body-reading route.
TEST_F(AccountRoutesTest, BadBodiesAreRefusedOnEveryBodyRoute) {
  for (const char* path : {"/auth/signup", "/auth/login", "/auth/refresh"}) {
    expectError(post(path, R"({"email":)"), 400, "invalid_json");
    expectError(post(path, R"({"refreshToken":"x"})", typed("text/plain")), 415, "unsupported_media_type");
    expectError(post(path, ""), 400, "validation_failed");
    expectError(post(path, "[]"), 400, "validation_failed");
  }
  EXPECT_TRUE(users_.users.empty());
  EXPECT_EQ(counter_.calls, 0);  // a refused body is never a login attempt
}

// Login with the right password answers 200 with a Session of that user, logged as a password login.
TEST_F(AccountRoutesTest, LoginAnswers200WithASession) {
  const std::string id = signupAnn()["user"].value("id", "");
  const HttpResponse r = post("/auth/login", R"({"email":"ann@example.com","password":"correct horse battery"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), (std::vector<std::string>{"accessToken", "refreshToken", "user"}));
  EXPECT_EQ(b["user"].value("id", ""), id);
  EXPECT_EQ(b["user"].value("email", ""), "ann@example.com");
  EXPECT_EQ(b["user"].value("name", ""), "Ann");
  const auto claims = access_->verify(b.value("accessToken", ""));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->sub, id);
  EXPECT_EQ(r.logAuthType, "password");
  EXPECT_EQ(r.logSubject, id);
}

// A wrong password and an unknown email are the same 401 invalid_credentials, with the same body.
TEST_F(AccountRoutesTest, WrongPasswordAndUnknownEmailAreTheSame401) {
  signupAnn();
  const HttpResponse wrong = post("/auth/login", R"({"email":"ann@example.com","password":"not the password"})");
  const HttpResponse unknown = post("/auth/login", R"({"email":"bob@example.com","password":"not the password"})");
  expectError(wrong, 401, "invalid_credentials");
  expectError(unknown, 401, "invalid_credentials");
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(bodyOf(wrong).value("message", ""), "Invalid email or password");
  EXPECT_TRUE(wrong.logSubject.empty());
  EXPECT_TRUE(wrong.headers.empty());
}

// Past the limit, login is 429 too_many_requests with a Retry-After of the window's remaining seconds, even with
// the right password; the attempts are counted against the request's peer address too.
TEST_F(AccountRoutesTest, ThrottledLoginIs429WithRetryAfter) {
  signupAnn();
  for (int i = 0; i < kLimits.maxFailuresPerEmail; ++i) {
    expectError(post("/auth/login", R"({"email":"ann@example.com","password":"wrong password"})"), 401,
                "invalid_credentials");
  }
  clock_.advance(20s);
  const HttpResponse r = post("/auth/login", R"({"email":"ann@example.com","password":"correct horse battery"})");
  expectError(r, 429, "too_many_requests");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "40");
  EXPECT_EQ(counter_.counts().at("authd:login:ip:" + std::string(kPeer)), kLimits.maxFailuresPerEmail + 1);
}

// A deactivated user with the right password is 403 user_inactive.
TEST_F(AccountRoutesTest, InactiveUserLoginIs403) {
  const std::string id = signupAnn()["user"].value("id", "");
  users_.users.at(id).isActive = false;
  expectError(post("/auth/login", R"({"email":"ann@example.com","password":"correct horse battery"})"), 403,
              "user_inactive");
}

// Refresh answers 200 with a new Session of the same user and a new refresh token; the spent one is then 401.
TEST_F(AccountRoutesTest, RefreshRotates) {
  const json session = signupAnn();
  const std::string token = session.value("refreshToken", "");
  const HttpResponse r = post("/auth/refresh", json{{"refreshToken", token}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), (std::vector<std::string>{"accessToken", "refreshToken", "user"}));
  EXPECT_EQ(b["user"], session["user"]);
  EXPECT_NE(b.value("refreshToken", ""), token);
  EXPECT_TRUE(access_->verify(b.value("accessToken", "")).has_value());
  EXPECT_EQ(r.logAuthType, "password");
  EXPECT_EQ(r.logSubject, session["user"].value("id", ""));

  expectError(post("/auth/refresh", json{{"refreshToken", token}}.dump()), 401, "invalid_refresh_token");
}

// A refresh body without a string refreshToken is 400; an unknown token is 401 with the fixed message.
TEST_F(AccountRoutesTest, RefreshRefusesBadTokens) {
  expectError(post("/auth/refresh", R"({"refreshToken":5})"), 400, "validation_failed");
  const HttpResponse r = post("/auth/refresh", R"({"refreshToken":"rt_unknown"})");
  expectError(r, 401, "invalid_refresh_token");
  EXPECT_EQ(bodyOf(r).value("message", ""), "Invalid refresh token");
}

// Logout needs a JWT: none is 401 missing_credentials, an API key 401 wrong_credential_type, and the body is not
// read before that (bad JSON without a token is still a 401).
TEST_F(AccountRoutesTest, LogoutWithoutATokenIs401) {
  const HttpResponse none = post("/auth/logout", "");
  expectError(none, 401, "missing_credentials");
  EXPECT_EQ(bodyOf(none).value("message", ""), "No credentials were provided");
  expectError(post("/auth/logout", "{", apiKey("sk_live_0123456789abcdef0123456789abcdef01234567")), 401,
              "wrong_credential_type");
  expectError(post("/auth/logout", "{"), 401, "missing_credentials");
  EXPECT_TRUE(revoker_.calls.empty());
}

// Logout with an empty body answers 200 {"message":"Logged out"}, denies the token's jti and revokes its session;
// logged as the JWT's user.
TEST_F(AccountRoutesTest, LogoutWithEmptyBodyEndsTheSession) {
  const json session = signupAnn();
  const std::string access = session.value("accessToken", "");
  const auto claims = access_->verify(access);
  ASSERT_TRUE(claims.has_value());
  // No Content-Type either: an empty body is not parsed.
  Send send = bearer(access);
  send.contentType.reset();
  const HttpResponse r = call(Method::kPost, "/auth/logout", send);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bodyOf(r), (json{{"message", "Logged out"}}));
  EXPECT_EQ(r.logAuthType, "jwt");
  EXPECT_EQ(r.logSubject, claims->sub);
  ASSERT_EQ(revoker_.calls.size(), 1u);
  EXPECT_EQ(revoker_.calls[0].jti, claims->jti);
  EXPECT_EQ(revoker_.calls[0].expiresAt, claims->exp);
  EXPECT_TRUE(refreshStore_.familyRevoked(claims->sid));
  expectError(post("/auth/refresh", json{{"refreshToken", session.value("refreshToken", "")}}.dump()), 401,
              "invalid_refresh_token");
}

// Logout with {"refreshToken"} revokes that session too; a malformed body (after a good token) is 400 and logs
// nobody out.
TEST_F(AccountRoutesTest, LogoutWithABody) {
  const json first = signupAnn();
  const HttpResponse second = post("/auth/login", R"({"email":"ann@example.com","password":"correct horse battery"})");
  ASSERT_EQ(second.status, 200);
  const std::string secondRefresh = bodyOf(second).value("refreshToken", "");

  expectError(post("/auth/logout", "{", bearer(first.value("accessToken", ""))), 400, "invalid_json");
  expectError(post("/auth/logout", R"({"refreshToken":1})", bearer(first.value("accessToken", ""))), 400,
              "validation_failed");
  EXPECT_TRUE(revoker_.calls.empty());

  Send send = bearer(first.value("accessToken", ""));
  const HttpResponse r = post("/auth/logout", json{{"refreshToken", secondRefresh}}.dump(), send);
  ASSERT_EQ(r.status, 200) << r.body;
  expectError(post("/auth/refresh", json{{"refreshToken", secondRefresh}}.dump()), 401, "invalid_refresh_token");
}

// A denylisted (logged-out) access token is 401 token_revoked on the JWT routes.
TEST_F(AccountRoutesTest, RevokedTokenIs401) {
  const std::string access = signupAnn().value("accessToken", "");
  const auto claims = access_->verify(access);
  ASSERT_TRUE(claims.has_value());
  denylist_.add(claims->jti, claims->exp);
  expectError(call(Method::kGet, "/auth/me", bearer(access)), 401, "token_revoked");
  expectError(post("/auth/logout", "", bearer(access)), 401, "token_revoked");
}

// /auth/me answers 200 with the User shape {id, email, name, createdAt (ISO 8601)}, logged as the JWT's user.
TEST_F(AccountRoutesTest, MeAnswersTheUser) {
  const SysTime createdAt = clock_.now();
  const json session = signupAnn();
  clock_.advance(5s);
  const HttpResponse r = call(Method::kGet, "/auth/me", bearer(session.value("accessToken", "")));
  ASSERT_EQ(r.status, 200) << r.body;
  const json b = bodyOf(r);
  EXPECT_EQ(keysOf(b), (std::vector<std::string>{"createdAt", "email", "id", "name"}));
  const std::string id = session["user"].value("id", "");
  EXPECT_EQ(b.value("id", ""), id);
  EXPECT_EQ(b.value("email", ""), "ann@example.com");
  EXPECT_EQ(b.value("name", ""), "Ann");
  EXPECT_EQ(b.value("createdAt", ""), formatIso8601(createdAt));
  EXPECT_EQ(r.logAuthType, "jwt");
  EXPECT_EQ(r.logSubject, id);
}

// /auth/me without a token is 401 missing_credentials; a garbage or expired one 401 invalid_token / token_expired.
TEST_F(AccountRoutesTest, MeWithoutAGoodTokenIs401) {
  expectError(call(Method::kGet, "/auth/me"), 401, "missing_credentials");
  const HttpResponse garbage = call(Method::kGet, "/auth/me", bearer("not.a.jwt"));
  expectError(garbage, 401, "invalid_token");
  EXPECT_TRUE(garbage.logSubject.empty());
  const std::string access = signupAnn().value("accessToken", "");
  clock_.advance(1h + 1s);
  expectError(call(Method::kGet, "/auth/me", bearer(access)), 401, "token_expired");
}

// /auth/me for a deactivated user is 403 user_inactive; for a deleted one 401 invalid_token.
TEST_F(AccountRoutesTest, MeChecksTheUserStillExists) {
  const json session = signupAnn();
  const std::string id = session["user"].value("id", "");
  users_.users.at(id).isActive = false;
  expectError(call(Method::kGet, "/auth/me", bearer(session.value("accessToken", ""))), 403, "user_inactive");
  users_.users.erase(id);
  expectError(call(Method::kGet, "/auth/me", bearer(session.value("accessToken", ""))), 401, "invalid_token");
}

// A PostgreSQL outage is 503 database_unavailable naming it, never a 401: on signup, login and /auth/me.
TEST_F(AccountRoutesTest, StoreOutageIs503) {
  const std::string access = signupAnn().value("accessToken", "");
  users_.down = true;
  const HttpResponse up =
      post("/auth/signup", R"({"email":"bob@example.com","password":"correct horse battery","name":"Bob"})");
  expectError(up, 503, "database_unavailable");
  EXPECT_EQ(bodyOf(up).value("message", ""), "Database is unavailable");
  expectError(post("/auth/login", R"({"email":"ann@example.com","password":"correct horse battery"})"), 503,
              "database_unavailable");
  expectError(call(Method::kGet, "/auth/me", bearer(access)), 503, "database_unavailable");
}

}  // namespace
}  // namespace authd::http
