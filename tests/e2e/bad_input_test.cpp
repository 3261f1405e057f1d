// Hostile input at the HTTP edge: framing and header abuse, SQL-looking and
// odd strings, invalid ids, and the JWT attacks of SPEC.md. Every answer is a
// 4xx with the JSON error shape (or a success for harmless input), never a
// 5xx, and the servers stay healthy.
//
// Framing attacks (Content-Length lies, a garbage request line) are tested
// through nginx only: nginx re-frames every request before authd sees it.
// Sent straight to authd, Pistache 0.0.5's own parser answers some of them
// with a 500 before any authd code runs (see README, "Bad input").
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/http_client.hpp"
#include "support/matchers.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;

std::string base64Json(const json& j) { return crypto::base64UrlEncode(j.dump()); }

// A token with the given header and payload, signed HS256 with `secret` (or left unsigned).
std::string craftToken(const json& header, const json& payload, const std::string& secret, bool sign = true) {
  return hs256Token(header.dump(), payload.dump(), secret, sign);
}

// Content-Length lies and malformed framing, through nginx: 400 JSON, never a 5xx.
TEST(E2eBadInputTest, FramingLiesThroughNginx) {
  const uint16_t port = testEnv().nginxPort;
  const char* lies[] = {"-5", "abc", "99999999999999999999", "1, 2", "0x10"};
  for (const char* cl : lies) {
    const std::string raw = std::string("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n") +
                            "Content-Length: " + cl + "\r\nConnection: close\r\n\r\n{}";
    EXPECT_TRUE(isErrorShape(rawRequest(port, raw))) << "Content-Length: " << cl;
  }
  // Two Content-Length headers that disagree (request smuggling).
  EXPECT_TRUE(isErrorShape(rawRequest(port,
                                      "POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                      "Content-Length: 40\r\nConnection: close\r\n\r\n{}")));
  // A garbage request line.
  EXPECT_TRUE(isErrorShape(rawRequest(port, "GARBAGE\r\n\r\n")));
}

// Absurd headers: 32 KiB of one header through nginx is refused with JSON; directly, authd answers
// normally (its buffer has room) and never with a 5xx.
TEST(E2eBadInputTest, HugeHeaders) {
  const std::string big(32 * 1024, 'a');
  EXPECT_TRUE(isErrorShape(get(testEnv().nginxPort, "/auth/me", {{"X-Big", big}})));
  const auto direct = get(testEnv().authdPort(1), "/auth/me", {{"X-Big", big}});
  EXPECT_TRUE(isErrorShape(direct)) << "a 401 is expected: no credentials";
  // A 32 KiB Authorization header is not a token.
  const auto bearer = get(testEnv().authdPort(1), "/auth/me", {{"Authorization", "Bearer " + big}});
  ASSERT_TRUE(isErrorShape(bearer));
  EXPECT_EQ(bearer->status, 401);
}

// Strings that look like SQL or carry odd characters are data: stored and returned as sent,
// or refused with a 400 — never a 5xx.
TEST(E2eBadInputTest, SqlLookingAndOddStrings) {
  const uint16_t port = testEnv().nginxPort;
  const Account s = signup(port, "bad");
  ASSERT_FALSE(s.accessToken.empty());
  const std::string names[] = {
      "'; DROP TABLE users; --",  "Robert'); DELETE FROM api_keys;--", "\" OR 1=1 --", "名前 🔑", "$1::uuid", "%s%n%x",
      "<script>alert(1)</script>"};
  for (const auto& name : names) {
    const auto r = postJson(port, "/keys", {{"name", name}}, {{"Authorization", "Bearer " + s.accessToken}});
    ASSERT_TRUE(r) << lastError();
    ASSERT_EQ(r->status, 201) << name << ": " << *r;
    EXPECT_EQ(r->json()["name"], name);
  }
  const auto list = get(port, "/keys", {{"Authorization", "Bearer " + s.accessToken}});
  ASSERT_TRUE(list && list->status == 200);
  EXPECT_EQ(list->json().size(), std::size(names));
  // SQL-looking emails are invalid emails: 400, and login with one is a plain 401.
  EXPECT_TRUE(isErrorShape(
      postJson(port, "/auth/signup", {{"email", "x' OR '1'='1"}, {"password", "Password123!"}, {"name", "x"}})));
  const auto login = postJson(port, "/auth/login", {{"email", "' OR 1=1 --@x.io"}, {"password", "' OR 1=1 --"}});
  ASSERT_TRUE(isErrorShape(login));
  EXPECT_EQ(login->json()["code"], "invalid_credentials");
}

// Invalid ids in paths: 400 invalid_id, whatever they contain.
TEST(E2eBadInputTest, InvalidKeyIds) {
  const uint16_t port = testEnv().nginxPort;
  const Account s = signup(port, "bad");
  ASSERT_FALSE(s.accessToken.empty());
  const std::string ids[] = {"not-a-uuid",
                             "1",
                             "00000000-0000-0000-0000-00000000000g",
                             "%27%20OR%201%3D1",
                             "00000000000000000000000000000000",
                             std::string(300, 'f')};
  for (const auto& id : ids) {
    const auto r = request(port, "DELETE", "/keys/" + id, {{"Authorization", "Bearer " + s.accessToken}});
    ASSERT_TRUE(isErrorShape(r)) << id;
    EXPECT_EQ(r->json()["code"], "invalid_id") << id << ": " << *r;
  }
}

// Every JWT attack of SPEC.md, on a JWT-only route through nginx and on /auth/me directly: 401.
TEST(E2eBadInputTest, JwtAttacks) {
  const TestEnv& env = testEnv();
  const Account s = signup(env.nginxPort, "bad");
  ASSERT_FALSE(s.accessToken.empty());
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const json good{{"sub", s.id}, {"email", "x@example.com"}, {"typ", "access"}, {"jti", crypto::uuidV4()},
                  {"iat", now},  {"exp", now + 600},         {"iss", "authd"}};
  const json hs256{{"alg", "HS256"}, {"typ", "JWT"}};
  auto with = [&](const char* k, const json& v) {
    json p = good;
    p[k] = v;
    return p;
  };
  json noExp = good;
  noExp.erase("exp");
  const std::string secret = env.jwtSecret;
  // The real token with its payload swapped for another user's (signature kept).
  const auto dot1 = s.accessToken.find('.');
  const auto dot2 = s.accessToken.rfind('.');
  const std::string tampered =
      s.accessToken.substr(0, dot1 + 1) + base64Json(with("sub", crypto::uuidV4())) + s.accessToken.substr(dot2);
  const std::pair<std::string, std::string> attacks[] = {
      {"alg none, no signature", craftToken({{"alg", "none"}, {"typ", "JWT"}}, good, secret, false)},
      {"alg none, signed", craftToken({{"alg", "none"}}, good, secret)},
      {"alg HS512", craftToken({{"alg", "HS512"}}, good, secret)},
      {"alg RS256 (confusion)", craftToken({{"alg", "RS256"}}, good, secret)},
      {"another secret", craftToken(hs256, good, secret + "x")},
      {"tampered payload", tampered},
      {"no exp", craftToken(hs256, noExp, secret)},
      {"expired", craftToken(hs256, with("exp", now - 10), secret)},
      {"wrong iss", craftToken(hs256, with("iss", "evil"), secret)},
      {"wrong typ", craftToken(hs256, with("typ", "refresh"), secret)},
      {"exp as string", craftToken(hs256, with("exp", std::to_string(now + 600)), secret)},
      {"ends with a dot", s.accessToken.substr(0, dot2 + 1)},
      {"two parts", s.accessToken.substr(0, dot2)},
      {"four parts", s.accessToken + ".x"},
      {"not base64url", "abc!.def$.ghi%"},
      // Over authd's 8 KiB token limit, under nginx's 16 KiB header buffer.
      {"oversized", std::string(4500, 'a') + "." + std::string(4500, 'b') + "." + std::string(43, 'c')},
  };
  for (const auto& [what, token] : attacks) {
    for (const auto& [port, path] :
         {std::pair{env.nginxPort, "/protected/user-only"}, {env.authdPort(1), "/auth/me"}}) {
      const auto r = get(port, path, {{"Authorization", "Bearer " + token}});
      ASSERT_TRUE(isErrorShape(r)) << what << " on " << path;
      EXPECT_EQ(r->status, 401) << what << " on " << path << ": " << *r;
      const std::string code = r->json()["code"];
      EXPECT_TRUE(code == "invalid_token" || code == "token_expired") << what << ": " << *r;
    }
  }
  // The control: a correctly crafted token with the real secret is accepted.
  const auto ok =
      get(env.nginxPort, "/protected/user-only", {{"Authorization", "Bearer " + craftToken(hs256, good, secret)}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << *ok;
}

// After all of the above, both fronts are healthy.
TEST(E2eBadInputTest, HealthyAfterwards) {
  for (const uint16_t port : {testEnv().nginxPort, testEnv().authdPort(1), testEnv().authdPort(2)}) {
    const auto r = get(port, "/readyz");
    ASSERT_TRUE(r) << lastError();
    EXPECT_EQ(r->status, 200) << *r;
  }
}

}  // namespace
}  // namespace authd::testing
