// The account endpoints end to end, as a client sees them: HTTP through nginx
// (and straight to the authd instances) against the real PostgreSQL and
// Redis. Every test uses fresh email addresses, so reruns never collide.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/matchers.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"
#include "tokens/access_tokens.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kPassword = "e2e-password-123";

// The error shape with this status and code.
::testing::AssertionResult isError(const std::optional<HttpResult>& r, int status, std::string_view code) {
  if (auto shape = isErrorShape(r); !shape) return shape;
  if (r->status != status || r->json()["code"] != code)
    return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got " << *r;
  return ::testing::AssertionSuccess();
}

// {user:{id,email,name}, accessToken, refreshToken}, and nothing secret.
::testing::AssertionResult isSession(const std::optional<HttpResult>& r, int status, const std::string& email) {
  if (!r) return ::testing::AssertionFailure() << describe(r);
  if (r->status != status) return ::testing::AssertionFailure() << "expected " << status << ", got " << *r;
  if (!r->header("content-type").starts_with("application/json"))
    return ::testing::AssertionFailure() << "Content-Type '" << r->header("content-type") << "'";
  const json j = r->json();
  const bool ok = j.is_object() && j.contains("user") && j["user"].is_object() && j["user"].contains("id") &&
                  j["user"]["id"].is_string() && crypto::isUuid(j["user"]["id"].get<std::string>()) &&
                  j["user"].value("email", "") == email && j["user"].contains("name") &&
                  j["user"]["name"].is_string() && j.contains("accessToken") && j["accessToken"].is_string() &&
                  !j["accessToken"].empty() && j.contains("refreshToken") && j["refreshToken"].is_string() &&
                  !j["refreshToken"].empty();
  if (!ok) return ::testing::AssertionFailure() << "not the session shape: " << *r;
  if (r->body.find("argon2") != std::string::npos || r->body.find("assword") != std::string::npos)
    return ::testing::AssertionFailure() << "leaks a password or hash: " << *r;
  return ::testing::AssertionSuccess();
}

std::optional<HttpResult> signupRaw(uint16_t port, const std::string& email, const std::string& name = "E2E User") {
  return signupRequest(port, email, kPassword, name);
}

// Signs up a fresh user through `port`; fails the test (and returns an empty Account) if that does not work.
Account newAccount(uint16_t port, std::string_view tag) {
  const std::string email = uniqueEmail("e2e-" + std::string(tag));
  const auto r = signupRaw(port, email);
  EXPECT_TRUE(isSession(r, 201, email));
  if (!r || r->status != 201) return {};
  return accountFrom(*r, email);
}

// Sets users.is_active for one user directly in PostgreSQL, as an operator would.
void setActive(const std::string& userId, bool active) {
  const char* sql =
      active ? "UPDATE users SET is_active = true WHERE id = $1" : "UPDATE users SET is_active = false WHERE id = $1";
  ASSERT_EQ(execSql(sql, userId), 1);
}

// The full life of a session through nginx: signup → login → me → refresh (a new token) → reuse of the old token is
// refused and revokes the family (the new one dies too) → logout → the access token is revoked everywhere.
TEST(E2eAccountsTest, FullFlowThroughNginx) {
  const TestEnv& env = testEnv();
  const uint16_t port = env.nginxPort;
  const std::string email = uniqueEmail("e2e-flow");

  const auto up = signupRaw(port, email, "Flow User");
  ASSERT_TRUE(isSession(up, 201, email));
  const Account signedUp = accountFrom(*up, email);
  EXPECT_EQ(up->json()["user"]["name"], "Flow User");

  const auto in = login(port, email, kPassword);
  ASSERT_TRUE(isSession(in, 200, email));
  const Account session = accountFrom(*in, email);
  EXPECT_EQ(session.id, signedUp.id);
  EXPECT_NE(session.refreshToken, signedUp.refreshToken);

  const auto who = me(port, session.accessToken);
  ASSERT_TRUE(who) << describe(who);
  ASSERT_EQ(who->status, 200) << *who;
  const json m = who->json();
  ASSERT_TRUE(m.is_object()) << *who;
  EXPECT_EQ(m.value("id", ""), signedUp.id) << *who;
  EXPECT_EQ(m.value("email", ""), email) << *who;
  EXPECT_EQ(m.value("name", ""), "Flow User") << *who;
  static const std::regex kIso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$)");
  EXPECT_TRUE(m.contains("createdAt") && m["createdAt"].is_string() &&
              std::regex_match(m["createdAt"].get<std::string>(), kIso))
      << *who;
  EXPECT_EQ(who->body.find("assword"), std::string::npos) << *who;

  const auto rotated = refresh(port, session.refreshToken);
  ASSERT_TRUE(isSession(rotated, 200, email));
  const Account next = accountFrom(*rotated, email);
  EXPECT_NE(next.refreshToken, session.refreshToken);
  EXPECT_NE(next.accessToken, session.accessToken);
  EXPECT_EQ(next.id, signedUp.id);
  const auto meNext = me(port, next.accessToken);
  ASSERT_TRUE(meNext) << describe(meNext);
  EXPECT_EQ(meNext->status, 200) << *meNext;

  // Reuse: the spent token is refused, and the whole family with it: its refresh tokens and (the thief may hold
  // them) its access tokens, on every instance within a second.
  EXPECT_TRUE(isError(refresh(port, session.refreshToken), 401, "invalid_refresh_token"));
  EXPECT_TRUE(isError(refresh(port, next.refreshToken), 401, "invalid_refresh_token"));
  for (const std::string& access : {session.accessToken, next.accessToken}) {
    for (const uint16_t p : {env.nginxPort, env.authdPort(1), env.authdPort(2)}) {
      std::optional<HttpResult> last;
      const bool revoked = eventually(
          [&] {
            last = me(p, access);
            return last && last->status == 401;
          },
          1s);
      EXPECT_TRUE(revoked) << "port " << p << ": " << describe(last);
      EXPECT_TRUE(isError(last, 401, "token_revoked")) << "port " << p;
    }
  }
  // Another session (the signup's) is a different family and survives.
  const auto otherSession = refresh(port, signedUp.refreshToken);
  ASSERT_TRUE(isSession(otherSession, 200, email));
  const Account other = accountFrom(*otherSession, email);

  const auto out = request(port, "POST", "/auth/logout", bearer(other.accessToken));
  ASSERT_TRUE(out) << describe(out);
  EXPECT_TRUE(out->status == 200 || out->status == 204) << *out;

  // Denied everywhere within a second: through nginx and on each instance.
  for (const uint16_t p : {env.nginxPort, env.authdPort(1), env.authdPort(2)}) {
    std::optional<HttpResult> last;
    const bool revoked = eventually(
        [&] {
          last = me(p, other.accessToken);
          return last && last->status == 401;
        },
        1s);
    EXPECT_TRUE(revoked) << "port " << p << ": " << describe(last);
    EXPECT_TRUE(isError(last, 401, "token_revoked")) << "port " << p;
  }
  // Only that session: a new login's token works.
  const auto again = login(port, email, kPassword);
  ASSERT_TRUE(isSession(again, 200, email));
  const auto stillIn = me(port, accountFrom(*again, email).accessToken);
  ASSERT_TRUE(stillIn) << describe(stillIn);
  EXPECT_EQ(stillIn->status, 200) << *stillIn;
}

// Logout revokes the whole session, not only the token it was made with: sign up (t0), refresh (t1, same sid), log
// out with t1; t0 is refused too, on both instances within a second, as is the session's refresh token. Another
// session of the same user is untouched. Both directions between the instances.
TEST(E2eAccountsTest, LogoutRevokesTheSessionsOlderAccessTokens) {
  const TestEnv& env = testEnv();
  for (const auto& [from, to] : {std::pair{1, 2}, std::pair{2, 1}}) {
    const Account t0 = newAccount(env.authdPort(to), "sessionlogout");
    ASSERT_FALSE(t0.accessToken.empty());
    const auto otherLogin = login(env.authdPort(to), t0.email, kPassword);
    ASSERT_TRUE(isSession(otherLogin, 200, t0.email));
    const Account other = accountFrom(*otherLogin, t0.email);
    const auto rotated = refresh(env.authdPort(from), t0.refreshToken);
    ASSERT_TRUE(isSession(rotated, 200, t0.email));
    const Account t1 = accountFrom(*rotated, t0.email);
    for (const int n : {1, 2}) {
      const auto r = me(env.authdPort(n), t0.accessToken);
      ASSERT_TRUE(r) << describe(r);
      ASSERT_EQ(r->status, 200) << "instance " << n << ": " << *r;  // rotation alone does not end t0
    }

    const auto out = request(env.authdPort(from), "POST", "/auth/logout", bearer(t1.accessToken));
    ASSERT_TRUE(out) << describe(out);
    ASSERT_EQ(out->status, 200) << *out;
    for (const int n : {from, to}) {
      for (const auto& [name, token] : {std::pair{"t0", t0.accessToken}, std::pair{"t1", t1.accessToken}}) {
        std::optional<HttpResult> last;
        const bool refused = eventually(
            [&] {
              last = me(env.authdPort(n), token);
              return last && last->status == 401;
            },
            1s);
        EXPECT_TRUE(refused) << name << " still accepted by instance " << n << " after logout on " << from << ": "
                             << describe(last);
        EXPECT_TRUE(isError(last, 401, "token_revoked")) << name << " on instance " << n;
      }
      // Nor can t0 do anything else, such as create a key.
      EXPECT_TRUE(isError(postJson(env.authdPort(n), "/keys", {{"name", "after-logout"}}, bearer(t0.accessToken)), 401,
                          "token_revoked"))
          << "instance " << n;
    }
    EXPECT_TRUE(isError(refresh(env.authdPort(to), t1.refreshToken), 401, "invalid_refresh_token"));
    const auto stillIn = me(env.authdPort(to), other.accessToken);
    ASSERT_TRUE(stillIn) << describe(stillIn);
    EXPECT_EQ(stillIn->status, 200) << "another session of the user: " << *stillIn;
  }
}

// A logout on one instance is seen by the other within a second (pub/sub), in both directions.
TEST(E2eAccountsTest, LogoutPropagatesBetweenInstances) {
  const TestEnv& env = testEnv();
  for (const auto& [from, to] : {std::pair{1, 2}, std::pair{2, 1}}) {
    const Account a = newAccount(env.authdPort(from), "xinst");
    ASSERT_FALSE(a.accessToken.empty());
    for (const int n : {1, 2}) {
      const auto r = me(env.authdPort(n), a.accessToken);
      ASSERT_TRUE(r) << describe(r);
      ASSERT_EQ(r->status, 200) << "instance " << n << ": " << *r;
    }
    const auto out = request(env.authdPort(from), "POST", "/auth/logout", bearer(a.accessToken));
    ASSERT_TRUE(out) << describe(out);
    ASSERT_TRUE(out->status == 200 || out->status == 204) << *out;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(isError(me(env.authdPort(from), a.accessToken), 401, "token_revoked")) << "instance " << from;
    std::optional<HttpResult> last;
    const bool seen = eventually(
        [&] {
          last = me(env.authdPort(to), a.accessToken);
          return last && last->status == 401;
        },
        1s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    EXPECT_TRUE(seen) << "logout on " << from << " not seen by " << to << " after " << took.count()
                      << " ms: " << describe(last);
    EXPECT_TRUE(isError(last, 401, "token_revoked"));
  }
}

// Emails are unique whatever their case (and surrounding spaces): a second signup is 409 email_taken, and login
// accepts any case.
TEST(E2eAccountsTest, DuplicateEmailInAnotherCaseIsConflict) {
  const uint16_t port = testEnv().nginxPort;
  const std::string email = uniqueEmail("e2e-dup");
  ASSERT_TRUE(isSession(signupRaw(port, email), 201, email));
  std::string upper = email;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(isError(signupRaw(port, upper), 409, "email_taken"));
  std::string mixed = email;
  mixed[0] = 'E';
  EXPECT_TRUE(isError(signupRaw(port, "  " + mixed + " "), 409, "email_taken"));
  EXPECT_TRUE(isError(signupRaw(testEnv().authdPort(2), email), 409, "email_taken"));
  const auto in = login(port, upper, kPassword);
  ASSERT_TRUE(in) << describe(in);
  EXPECT_EQ(in->status, 200) << *in;
}

// Five wrong passwords are 401s; the sixth attempt, even right, is 429 with Retry-After; after the window (3 s in
// the test stack) the right password works again.
TEST(E2eAccountsTest, LoginThrottlingAndRecovery) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = newAccount(port, "throttle");
  ASSERT_FALSE(a.id.empty());
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(isError(login(port, a.email, "wrong-password-" + std::to_string(i)), 401, "invalid_credentials"))
        << "attempt " << i + 1;
  }
  const auto throttled = login(port, a.email, kPassword);
  ASSERT_TRUE(isError(throttled, 429, "too_many_requests"));
  const std::string retryAfter = throttled->header("retry-after");
  ASSERT_FALSE(retryAfter.empty()) << "no Retry-After: " << *throttled;
  int seconds = 0;
  ASSERT_NO_THROW(seconds = std::stoi(retryAfter)) << retryAfter;
  EXPECT_GE(seconds, 1) << *throttled;
  EXPECT_LE(seconds, 4) << *throttled;
  // Same email in another case is the same counter.
  std::string upper = a.email;
  upper[0] = 'E';
  EXPECT_TRUE(isError(login(port, upper, kPassword), 429, "too_many_requests"));

  std::optional<HttpResult> last;
  const auto start = std::chrono::steady_clock::now();
  const bool recovered = eventually(
      [&] {
        last = login(port, a.email, kPassword);
        if (last && last->status == 429) std::this_thread::sleep_for(200ms);
        return last && last->status == 200;
      },
      6s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_TRUE(recovered) << "after " << took.count() << " ms: " << describe(last);
  EXPECT_TRUE(isSession(last, 200, a.email));
}

// A deactivated user gets no tokens: login 403 user_inactive, refresh refused, and the access token it still holds
// is refused on every instance.
TEST(E2eAccountsTest, InactiveUserIsLockedOut) {
  const TestEnv& env = testEnv();
  const Account a = newAccount(env.nginxPort, "inactive");
  ASSERT_FALSE(a.id.empty());
  const auto before = me(env.nginxPort, a.accessToken);
  ASSERT_TRUE(before) << describe(before);
  ASSERT_EQ(before->status, 200) << *before;

  setActive(a.id, false);

  EXPECT_TRUE(isError(login(env.nginxPort, a.email, kPassword), 403, "user_inactive"));
  // A wrong password still says only "invalid credentials".
  EXPECT_TRUE(isError(login(env.nginxPort, a.email, "wrong-password"), 401, "invalid_credentials"));
  for (const uint16_t p : {env.nginxPort, env.authdPort(1), env.authdPort(2)}) {
    EXPECT_TRUE(isError(me(p, a.accessToken), 403, "user_inactive")) << "port " << p;
  }
  const auto r = refresh(env.nginxPort, a.refreshToken);
  EXPECT_TRUE(isError(r, 403, "user_inactive"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.find("accessToken"), std::string::npos) << *r;
  // The refused refresh revoked the session, its access tokens with it (see the README's logout decision).
  for (const uint16_t p : {env.authdPort(1), env.authdPort(2)}) {
    std::optional<HttpResult> last;
    EXPECT_TRUE(eventually(
        [&] {
          last = me(p, a.accessToken);
          return last && last->status == 401;
        },
        1s))
        << "port " << p << ": " << describe(last);
    EXPECT_TRUE(isError(last, 401, "token_revoked")) << "port " << p;
  }

  // Reactivated, the user can log in again, but the session refused while inactive stays revoked.
  setActive(a.id, true);
  const auto again = login(env.nginxPort, a.email, kPassword);
  EXPECT_TRUE(isSession(again, 200, a.email));
  const auto old = refresh(env.nginxPort, a.refreshToken);
  EXPECT_TRUE(isError(old, 401, "invalid_refresh_token"));
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input: every error path answers the JSON error shape, never a 5xx.

struct BadCase {
  std::string name;
  std::string method;
  std::string path;
  Headers headers;
  std::string body;
  int status = 0;         // expected status; 0: any 4xx
  std::string code = {};  // expected code; empty: any
};

std::string nested(int depth, char open, char close, std::string_view inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open == '{' ? std::string("{\"a\":") : std::string(1, open);
  s += inner;
  s += std::string(static_cast<size_t>(depth), close);
  return s;
}

// An access token signed with the real secret but otherwise wrong (expired, foreign issuer).
std::string craftedToken(const std::string& secret, const std::string& issuer, SysTime issuedAt) {
  const FakeClock clock(issuedAt);
  return tokens::AccessTokens::createHs256(secret, issuer, 1h, clock)->issue(crypto::uuidV4(), "crafted@example.com");
}

// The body cases every JSON endpoint shares; `validBody` is an acceptable body for it.
std::vector<BadCase> commonBodyCases(const std::string& path, const Headers& auth, const json& validBody,
                                     bool emptyBodyIsFine) {
  Headers jsonCt = auth;
  jsonCt.emplace_back("Content-Type", "application/json");
  Headers text = auth;
  text.emplace_back("Content-Type", "text/plain");
  const std::string valid = validBody.dump();
  std::vector<BadCase> cases = {
      {"malformed", "POST", path, jsonCt, R"({"email": "a@example.com",, })", 400, "invalid_json"},
      {"unquoted keys", "POST", path, jsonCt, R"({email: "a@example.com"})", 400, "invalid_json"},
      {"not json", "POST", path, jsonCt, "hello world", 400, "invalid_json"},
      {"truncated", "POST", path, jsonCt, valid.substr(0, valid.size() / 2), 400, "invalid_json"},
      {"trailing garbage", "POST", path, jsonCt, valid + "}", 400, "invalid_json"},
      {"empty array", "POST", path, jsonCt, "[]", 400, "validation_failed"},
      {"array of object", "POST", path, jsonCt, "[" + valid + "]", 400, "validation_failed"},
      {"string", "POST", path, jsonCt, R"("hello")", 400, "validation_failed"},
      {"number", "POST", path, jsonCt, "42", 400, "validation_failed"},
      {"boolean", "POST", path, jsonCt, "true", 400, "validation_failed"},
      {"text/plain", "POST", path, text, valid, 415, "unsupported_media_type"},
      {"raw NUL byte", "POST", path, jsonCt, std::string("{\"a\":\0}", 7), 400, "invalid_json"},
      {"invalid UTF-8", "POST", path, jsonCt, "{\"email\":\"\xff\xfe@example.com\",\"x\":\"\xc3\x28\"}", 400,
       "invalid_json"},
      {"lone surrogate", "POST", path, jsonCt, R"({"email":"\ud800@example.com"})", 400, "invalid_json"},
      {"deep objects", "POST", path, jsonCt, nested(100, '{', '}', "1"), 400, "invalid_json"},
      {"deep arrays", "POST", path, jsonCt, nested(100, '[', ']', "1"), 400, "invalid_json"},
      {"unknown field", "POST", path, jsonCt,
       [&] {
         auto b = validBody;
         b["isActive"] = false;
         return b.dump();
       }(),
       400, "validation_failed"},
  };
  if (!emptyBodyIsFine) {
    cases.push_back({"empty body", "POST", path, jsonCt, "", 400, "validation_failed"});
    cases.push_back({"empty object", "POST", path, jsonCt, "{}", 400, "validation_failed"});
    cases.push_back({"null", "POST", path, jsonCt, "null", 400, "validation_failed"});
  }
  return cases;
}

// Authorization cases for a JWT route.
std::vector<BadCase> authCases(const std::string& method, const std::string& path, const std::string& validToken) {
  const TestEnv& env = testEnv();
  const std::string payload =
      validToken.substr(validToken.find('.') + 1, validToken.rfind('.') - validToken.find('.') - 1);
  const std::string noneHeader = crypto::base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  const std::string otherSecret =
      craftedToken("another-secret-0123456789abcdef0123456789abcdef", "authd", std::chrono::system_clock::now());
  const std::string expired = craftedToken(env.jwtSecret, "authd", std::chrono::system_clock::now() - 2h);
  const std::string foreignIssuer = craftedToken(env.jwtSecret, "evil", std::chrono::system_clock::now());
  const std::string key = "sk_" + std::string(64, 'a');
  return {
      {"no credentials", method, path, {}, "", 401, "missing_credentials"},
      {"garbage Authorization", method, path, {{"Authorization", "garbage"}}, "", 401, "invalid_token"},
      {"Basic scheme", method, path, {{"Authorization", "Basic dXNlcjpwYXNz"}}, "", 401, "invalid_token"},
      {"Bearer with nothing", method, path, {{"Authorization", "Bearer "}}, "", 401, "invalid_token"},
      {"Bearer alone", method, path, {{"Authorization", "Bearer"}}, "", 401, "invalid_token"},
      {"Bearer garbage", method, path, bearer("not.a.jwt"), "", 401, "invalid_token"},
      {"Bearer binary", method, path, {{"Authorization", "Bearer \xff\xfe\x01"}}, "", 401, "invalid_token"},
      {"Bearer 10k", method, path, bearer(std::string(10'000, 'a')), "", 401, "invalid_token"},
      {"other secret", method, path, bearer(otherSecret), "", 401, "invalid_token"},
      {"alg none", method, path, bearer(noneHeader + "." + payload + "."), "", 401, "invalid_token"},
      {"alg none with signature", method, path, bearer(noneHeader + "." + validToken.substr(validToken.find('.') + 1)),
       "", 401, "invalid_token"},
      {"expired", method, path, bearer(expired), "", 401, "token_expired"},
      {"foreign issuer", method, path, bearer(foreignIssuer), "", 401, "invalid_token"},
      {"API key header", method, path, {{"x-api-key", key}}, "", 401, "wrong_credential_type"},
      {"Bearer API key", method, path, bearer(key), "", 401, "wrong_credential_type"},
  };
}

std::vector<BadCase> corpus(const std::string& validToken) {
  std::vector<BadCase> all;
  const auto add = [&all](std::vector<BadCase> more) { all.insert(all.end(), more.begin(), more.end()); };
  const Headers none;
  const Headers ct{{"Content-Type", "application/json"}};
  const Headers authJson{{"Authorization", "Bearer " + validToken}, {"Content-Type", "application/json"}};
  const std::string big(10'000, 'x');
  const std::string email300 = std::string(288, 'a') + "@example.com";

  // Signup.
  const json signup = {{"email", uniqueEmail("e2e-bad")}, {"password", kPassword}, {"name", "Bad Input"}};
  add(commonBodyCases("/auth/signup", none, signup, false));
  const auto signupWith = [&](const char* field, json value) {
    json b = signup;
    b["email"] = uniqueEmail("e2e-bad");
    b[field] = std::move(value);
    return b.dump();
  };
  add({
      {"signup wrong types", "POST", "/auth/signup", ct, R"({"email":5,"password":true,"name":{}})", 400,
       "validation_failed"},
      {"signup missing password and name", "POST", "/auth/signup", ct, R"({"email":"a@example.com"})", 400,
       "validation_failed"},
      {"signup email 300", "POST", "/auth/signup", ct, signupWith("email", email300), 400, "validation_failed"},
      {"signup password 10k", "POST", "/auth/signup", ct, signupWith("password", big), 400, "validation_failed"},
      {"signup name 10k", "POST", "/auth/signup", ct, signupWith("name", big), 400, "validation_failed"},
      {"signup NUL in email", "POST", "/auth/signup", ct, signupWith("email", std::string("nul\0x@example.com", 17)),
       400, "validation_failed"},
      {"signup NUL in password", "POST", "/auth/signup", ct,
       signupWith("password", std::string("password\0"
                                          "123",
                                          12)),
       400, "validation_failed"},
      {"signup NUL in name", "POST", "/auth/signup", ct, signupWith("name", std::string("Nul\0Name", 8)), 400,
       "validation_failed"},
      {"signup null fields", "POST", "/auth/signup", ct, R"({"email":null,"password":null,"name":null})", 400,
       "validation_failed"},
      {"signup GET", "GET", "/auth/signup", none, "", 405, "method_not_allowed"},
  });

  // Login (the 401s count towards the per-address limit: keep them few).
  const json loginBody = {{"email", uniqueEmail("e2e-nobody")}, {"password", kPassword}};
  add(commonBodyCases("/auth/login", none, loginBody, false));
  add({
      {"login wrong types", "POST", "/auth/login", ct, R"({"email":5,"password":true})", 400, "validation_failed"},
      {"login missing password", "POST", "/auth/login", ct, R"({"email":"a@example.com"})", 400, "validation_failed"},
      {"login email 300", "POST", "/auth/login", ct, json{{"email", email300}, {"password", kPassword}}.dump(), 400,
       "validation_failed"},
      {"login password 10k", "POST", "/auth/login", ct, json{{"email", uniqueEmail("e2e-x")}, {"password", big}}.dump(),
       400, "validation_failed"},
      {"login NUL in email",
       "POST",
       "/auth/login",
       ct,
       json{{"email", std::string("nul\0x@example.com", 17)}, {"password", kPassword}}.dump(),
       0,
       {}},
      {"login NUL in password",
       "POST",
       "/auth/login",
       ct,
       json{{"email", uniqueEmail("e2e-nul")},
            {"password", std::string("password\0"
                                     "123",
                                     12)}}
           .dump(),
       0,
       {}},
  });

  // Refresh.
  add(commonBodyCases("/auth/refresh", none, json{{"refreshToken", "rt_" + std::string(43, 'A')}}, false));
  add({
      {"refresh wrong type", "POST", "/auth/refresh", ct, R"({"refreshToken":5})", 400, "validation_failed"},
      {"refresh object", "POST", "/auth/refresh", ct, R"({"refreshToken":{}})", 400, "validation_failed"},
      {"refresh 10k", "POST", "/auth/refresh", ct, json{{"refreshToken", big}}.dump(), 400, "validation_failed"},
      {"refresh NUL", "POST", "/auth/refresh", ct, json{{"refreshToken", std::string("rt_\0abc", 7)}}.dump(), 0, {}},
      {"refresh unknown token", "POST", "/auth/refresh", ct,
       json{{"refreshToken", "rt_" + std::string(43, 'A')}}.dump(), 401, "invalid_refresh_token"},
      {"refresh garbage token", "POST", "/auth/refresh", ct, R"({"refreshToken":"garbage"})", 401,
       "invalid_refresh_token"},
      {"refresh access token", "POST", "/auth/refresh", ct, json{{"refreshToken", validToken}}.dump(), 0, {}},
  });

  // Logout: authentication first, then the (optional) body. No case here may succeed: it would end the session.
  add(authCases("POST", "/auth/logout", validToken));
  add(commonBodyCases("/auth/logout", {{"Authorization", "Bearer " + validToken}},
                      json{{"refreshToken", "rt_" + std::string(43, 'A')}}, true));
  add({
      {"logout wrong type", "POST", "/auth/logout", authJson, R"({"refreshToken":5})", 400, "validation_failed"},
      {"logout object", "POST", "/auth/logout", authJson, R"({"refreshToken":{}})", 400, "validation_failed"},
      {"logout 10k", "POST", "/auth/logout", authJson, json{{"refreshToken", big}}.dump(), 400, "validation_failed"},
      {"logout GET", "GET", "/auth/logout", {{"Authorization", "Bearer " + validToken}}, "", 405, "method_not_allowed"},
  });

  // Me.
  add(authCases("GET", "/auth/me", validToken));
  add({{"me POST", "POST", "/auth/me", authJson, "{}", 405, "method_not_allowed"}});
  return all;
}

// Sends the whole corpus to `port`; every answer must be the JSON error shape (with the expected status/code).
void runCorpus(uint16_t port, const std::string& where) {
  const Account a = newAccount(port, "corpus");
  ASSERT_FALSE(a.accessToken.empty());
  int sent = 0;
  for (const BadCase& c : corpus(a.accessToken)) {
    const auto r = request(port, c.method, c.path, c.headers, c.body);
    ++sent;
    if (c.status == 0) {
      EXPECT_TRUE(isErrorShape(r)) << where << " / " << c.name;
    } else {
      EXPECT_TRUE(isError(r, c.status, c.code.empty() ? (r ? r->json().value("code", "") : "") : c.code))
          << where << " / " << c.name;
    }
  }
  EXPECT_GT(sent, 100);
  // The session survived the corpus: no bad request logged it out.
  const auto still = me(port, a.accessToken);
  ASSERT_TRUE(still) << describe(still);
  EXPECT_EQ(still->status, 200) << where << ": " << *still;
}

// The corpus through nginx.
TEST(E2eAccountsBadInputTest, CorpusThroughNginx) { runCorpus(testEnv().nginxPort, "nginx"); }

// The corpus straight to authd instance 1 (nothing in front to smooth things over).
TEST(E2eAccountsBadInputTest, CorpusDirectToAuthd) { runCorpus(testEnv().authdPort(1), "authd 1"); }

// A 2 MiB body: nginx answers 413 in the JSON shape; authd alone answers a 4xx too; nothing crashes.
TEST(E2eAccountsBadInputTest, TwoMebibyteBody) {
  const TestEnv& env = testEnv();
  const std::string body = R"({"email":")" + std::string(2 << 20, 'a') + R"(@example.com","password":"x","name":"y"})";
  for (const std::string& path : std::vector<std::string>{"/auth/signup", "/auth/login", "/auth/refresh"}) {
    const auto viaNginx =
        request(env.nginxPort, "POST", path, {{"Content-Type", "application/json"}}, body, std::chrono::seconds(15));
    EXPECT_TRUE(isError(viaNginx, 413, "payload_too_large")) << "nginx " << path;
    const auto direct =
        request(env.authdPort(1), "POST", path, {{"Content-Type", "application/json"}}, body, std::chrono::seconds(15));
    ASSERT_TRUE(direct) << "authd " << path << ": " << describe(direct);
    EXPECT_GE(direct->status, 400) << "authd " << path << ": " << *direct;
    EXPECT_LT(direct->status, 500) << "authd " << path << ": " << *direct;
  }
  const auto viaNginx =
      request(env.nginxPort, "POST", "/auth/logout",
              {{"Content-Type", "application/json"}, {"Authorization", "Bearer x"}}, body, std::chrono::seconds(15));
  EXPECT_TRUE(isError(viaNginx, 413, "payload_too_large")) << "nginx /auth/logout";
}

// Straight to authd (no nginx in front), bodies over MAX_BODY_BYTES get the JSON 413 too.
TEST(E2eAccountsBadInputTest, OversizeBodyDirectToAuthdIsJson413) {
  const TestEnv& env = testEnv();
  for (const size_t size : {(size_t{1} << 20) + 1000, size_t{2} << 20}) {
    const std::string body = R"({"email":")" + std::string(size, 'a') + R"(@example.com","password":"x","name":"y"})";
    const auto r = request(env.authdPort(1), "POST", "/auth/signup", {{"Content-Type", "application/json"}}, body,
                           std::chrono::seconds(15));
    EXPECT_TRUE(isError(r, 413, "payload_too_large")) << "body of " << body.size() << " bytes";
  }
}

// A logout whose body names a refresh token with a NUL is not an error path: it must still not be a 5xx.
TEST(E2eAccountsBadInputTest, LogoutWithOddRefreshTokenIsNotAServerError) {
  const TestEnv& env = testEnv();
  for (const uint16_t port : {env.nginxPort, env.authdPort(1)}) {
    const Account a = newAccount(port, "oddlogout");
    ASSERT_FALSE(a.accessToken.empty());
    const auto r =
        postJson(port, "/auth/logout", json{{"refreshToken", std::string("rt_\0abc", 7)}}, bearer(a.accessToken));
    ASSERT_TRUE(r) << describe(r);
    EXPECT_TRUE(r->status == 200 || r->status == 204 || (r->status >= 400 && r->status < 500)) << *r;
  }
}

// After all that, both fronts are healthy.
TEST(E2eAccountsBadInputTest, HealthyAfterCorpus) {
  const TestEnv& env = testEnv();
  for (const uint16_t port : {env.nginxPort, env.authdPort(1), env.authdPort(2)}) {
    const auto r = get(port, "/healthz");
    ASSERT_TRUE(r) << "port " << port << ": " << describe(r);
    EXPECT_EQ(r->status, 200) << "port " << port << ": " << *r;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What a red-team run found (issue 12): lookalike emails, concurrent guesses, lenient JWTs, telling errors, HEAD.

// An address with U+212A KELVIN SIGN for its "k" and U+0130 for an "i": PostgreSQL's lower() maps both to ASCII.
std::string lookalike(const std::string& email) {
  std::string out;
  for (const char c : email) {
    if (c == 'k') out += "\u212A";
    else if (c == 'i') out += "\u0130";
    else out += c;
  }
  return out;
}

// A lookalike of a locked account's email gets no more guesses, and the right password under a lookalike never
// logs in: at login an email signup would refuse is no account (401), counted on its own.
TEST(E2eAccountsHardeningTest, LookalikeEmailsNeitherEscapeTheThrottleNorLogIn) {
  const TestEnv& env = testEnv();
  for (const uint16_t port : {env.nginxPort, env.authdPort(1)}) {
    const std::string email = uniqueEmail("kiki");
    ASSERT_TRUE(isSession(signupRaw(port, email), 201, email));
    const std::string fake = lookalike(email);
    ASSERT_NE(fake, email);
    // Signup refuses the lookalike outright.
    EXPECT_TRUE(isError(signupRaw(port, fake), 400, "validation_failed")) << "port " << port;
    // Not an account at login, even with the right password.
    EXPECT_TRUE(isError(login(port, fake, kPassword), 401, "invalid_credentials")) << "port " << port;
    // Lock the real address, then try both forms: the real one is 429, the lookalike is still no account.
    for (int i = 0; i < 5; ++i) (void)login(port, email, "wrong-password-" + std::to_string(i));
    EXPECT_TRUE(isError(login(port, email, kPassword), 429, "too_many_requests")) << "port " << port;
    const auto viaLookalike = login(port, fake, kPassword);
    ASSERT_TRUE(viaLookalike) << describe(viaLookalike);
    EXPECT_NE(viaLookalike->status, 200) << "port " << port << ": " << *viaLookalike;
    EXPECT_EQ(viaLookalike->body.find("accessToken"), std::string::npos) << *viaLookalike;
  }
}

// Sixteen wrong passwords at once for one email: at most the limit (5) are checked (401); the rest are 429. The
// attempt is counted before the password is, atomically.
TEST(E2eAccountsHardeningTest, ConcurrentGuessesDoNotOverrunTheLimit) {
  const TestEnv& env = testEnv();
  for (const uint16_t port : {env.nginxPort, env.authdPort(1)}) {
    const Account a = newAccount(port, "concurrent");
    ASSERT_FALSE(a.id.empty());
    std::vector<std::optional<HttpResult>> results(16);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = login(port, a.email, "wrong-password-" + std::to_string(i)); });
    }
    for (auto& t : threads) t.join();
    int checked = 0;
    int throttled = 0;
    for (const auto& r : results) {
      if (isError(r, 401, "invalid_credentials")) ++checked;
      else if (isError(r, 429, "too_many_requests")) ++throttled;
      else ADD_FAILURE() << "port " << port << ": " << describe(r);
    }
    EXPECT_LE(checked, 5) << "port " << port << ": " << checked << " guesses were checked against a limit of 5";
    EXPECT_EQ(checked + throttled, 16) << "port " << port;
    // Let the 3 s window of the test stack end, so later tests from this address start clean.
    std::this_thread::sleep_for(3100ms);
  }
}

// An access token signed with the real secret from JSON written here: header and payload as given.
std::string signedToken(const std::string& headerJson, const std::string& payloadJson) {
  return hs256Token(headerJson, payloadJson, testEnv().jwtSecret);
}

// The payload authd would issue for the account now, as a JSON object to tamper with.
json payloadFor(const Account& a) {
  const int64_t now = toUnixSeconds(std::chrono::system_clock::now());
  return {{"sub", a.id}, {"email", a.email}, {"typ", "access"},  {"jti", crypto::uuidV4()},
          {"iat", now},  {"iss", "authd"},   {"exp", now + 3600}};
}

// Tokens that carry the real signature but were never issued by authd are refused everywhere a JWT is read:
// unknown `crit`, a member named twice (header or payload), a future nbf, a future or negative iat, a jti that is
// not a UUID, a sub in a non-canonical form, a lifetime past the configured one (and a far-future exp, which once
// made logout answer 500). The control, the same payload signed the same way, is accepted.
TEST(E2eAccountsHardeningTest, LenientJwtsAreRefusedThroughNginxAndDirect) {
  const TestEnv& env = testEnv();
  const Account a = newAccount(env.nginxPort, "strictjwt");
  ASSERT_FALSE(a.id.empty());
  const std::string hs256 = R"({"alg":"HS256","typ":"JWT"})";
  const auto with = [&](const std::function<void(json&)>& change) {
    json p = payloadFor(a);
    change(p);
    return signedToken(hs256, p.dump());
  };
  const int64_t now = toUnixSeconds(std::chrono::system_clock::now());
  std::string upperSub = a.id;
  for (auto& c : upperSub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string control = with([](json&) {});
  const std::string dupPayload = payloadFor(a).dump();
  const std::vector<std::pair<std::string, std::string>> refused{
      {"crit", signedToken(R"({"alg":"HS256","typ":"JWT","crit":["exp"]})", payloadFor(a).dump())},
      {"duplicate alg", signedToken(R"({"alg":"none","alg":"HS256","typ":"JWT"})", payloadFor(a).dump())},
      {"duplicate sub",
       signedToken(hs256, dupPayload.substr(0, dupPayload.size() - 1) + R"(,"sub":")" + crypto::uuidV4() + R"("})")},
      {"future nbf", with([&](json& p) { p["nbf"] = now + 600; })},
      {"future iat", with([&](json& p) { p["iat"] = now + 600; })},
      {"negative iat", with([&](json& p) { p["iat"] = -1; })},
      {"jti not a UUID", with([](json& p) { p["jti"] = "not-a-uuid"; })},
      {"sub in capitals", with([&](json& p) { p["sub"] = upperSub; })},
      {"lifetime past the configured one", with([&](json& p) { p["exp"] = now + 30 * 86400; })},
      {"far-future exp", with([](json& p) { p["exp"] = int64_t{1} << 53; })},
  };
  for (const uint16_t port : {env.nginxPort, env.authdPort(1), env.authdPort(2)}) {
    const auto ok = me(port, control);
    ASSERT_TRUE(ok) << describe(ok);
    EXPECT_EQ(ok->status, 200) << "control on port " << port << ": " << *ok;
    for (const auto& [name, token] : refused) {
      EXPECT_TRUE(isError(me(port, token), 401, "invalid_token")) << name << " on port " << port;
      EXPECT_TRUE(isError(request(port, "POST", "/auth/logout", bearer(token)), 401, "invalid_token"))
          << name << " (logout) on port " << port;
    }
  }
  for (const auto& [name, token] : refused) {
    const auto guarded = get(env.nginxPort, "/protected/user-only", bearer(token));
    EXPECT_TRUE(isError(guarded, 401, "invalid_token")) << name << " through the guard";
    for (const int n : {1, 2}) {
      const auto v = verifyJwtOn(n, token);
      ASSERT_TRUE(v) << describe(v);
      EXPECT_EQ(v->status, 401) << name << " on /verify of instance " << n << ": " << *v;
      EXPECT_EQ(v->header("x-auth-error"), "invalid_token") << name << " on /verify of instance " << n;
    }
  }
}

// A refusal names its code and the code's one message, never the check that failed: a bad signature, a wrong
// issuer and a token of another type all read "Invalid token"; a reused refresh token reads "Invalid refresh token".
TEST(E2eAccountsHardeningTest, RefusalsDoNotSayWhichCheckFailed) {
  const TestEnv& env = testEnv();
  for (const uint16_t port : {env.nginxPort, env.authdPort(1)}) {
    const Account a = newAccount(port, "messages");
    ASSERT_FALSE(a.id.empty());
    json wrongIssuer = payloadFor(a);
    wrongIssuer["iss"] = "evil";
    json wrongType = payloadFor(a);
    wrongType["typ"] = "refresh";
    std::string badSignature = a.accessToken;
    badSignature.back() = badSignature.back() == 'A' ? 'B' : 'A';
    for (const std::string& token : {badSignature, signedToken(R"({"alg":"HS256"})", wrongIssuer.dump()),
                                     signedToken(R"({"alg":"HS256"})", wrongType.dump())}) {
      const auto r = me(port, token);
      ASSERT_TRUE(isError(r, 401, "invalid_token")) << "port " << port;
      EXPECT_EQ(r->json().value("message", ""), "Invalid token") << "port " << port << ": " << *r;
    }
    const auto next = refresh(port, a.refreshToken);
    ASSERT_TRUE(next && next->status == 200) << describe(next);
    const auto reused = refresh(port, a.refreshToken);
    ASSERT_TRUE(isError(reused, 401, "invalid_refresh_token"));
    EXPECT_EQ(reused->json().value("message", ""), "Invalid refresh token") << "port " << port << ": " << *reused;
  }
}

// Sends `bytes` on an open connection and reads until the peer closes or `quiet` passes without a byte.
std::string sendAndRead(int fd, const std::string& bytes, std::chrono::milliseconds quiet) {
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  std::string got;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// A HEAD answer has a header and nothing else, so the next answer on the same connection starts clean: through
// nginx and straight to authd, for a route that exists (GET /auth/me), one without GET (POST-only /auth/login) and
// an unknown path.
TEST(E2eAccountsHardeningTest, HeadAnswersCarryNoBody) {
  const TestEnv& env = testEnv();
  for (const uint16_t port : {env.nginxPort, env.authdPort(1)}) {
    for (const std::string path : {"/auth/me", "/auth/login", "/no-such-path"}) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      ASSERT_GE(fd, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
      // Whatever follows the header within 300 ms would be a body.
      const std::string head = sendAndRead(fd, "HEAD " + path + " HTTP/1.1\r\nHost: authd.test\r\n\r\n", 300ms);
      ASSERT_NE(head.find("\r\n\r\n"), std::string::npos)
          << port << " " << path << ": no complete header in '" << head << "'";
      EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "") << port << " HEAD " << path << " sent a body";
      EXPECT_TRUE(head.starts_with("HTTP/1.1 401") || head.starts_with("HTTP/1.1 404") ||
                  head.starts_with("HTTP/1.1 405"))
          << port << " HEAD " << path << ": " << head;
      const std::string next =
          sendAndRead(fd, "GET /healthz HTTP/1.1\r\nHost: authd.test\r\nConnection: close\r\n\r\n", 2000ms);
      EXPECT_TRUE(next.starts_with("HTTP/1.1 200")) << port << " after HEAD " << path << ": '" << next << "'";
      ::close(fd);
    }
  }
}

}  // namespace
}  // namespace authd::testing
