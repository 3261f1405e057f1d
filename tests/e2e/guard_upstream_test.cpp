// The guard in front of a real upstream, as an operator would set it up: the
// shipped /protected/echo/ location (set $authd_mode, include
// authd-guard.conf, proxy_pass) in a server with its own proxy_set_header and
// add_header lines, in front of scripts/echo-upstream.mjs, which answers with
// every header it received, its HTTP version and which upstream connection
// carried the request. Checked: identity headers come only from authd (a
// client's copies never arrive), forwarding headers are nginx's, not the
// client's, Host is the client's, the connection to the upstream is kept
// alive, the server's add_header survives, denials never reach the upstream,
// the upstream's own failure is not reported as an authd outage (and authd
// down still fails closed with 503), and guards
// configured wrong (tests/e2e/nginx/test-server.conf) refuse everything.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"
#include "support/text.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;

// What the echo upstream reported receiving.
struct Echo {
  std::string httpVersion;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  int connectionId = 0;
  int requestOnConnection = 0;

  // Every value of the header `name` (any case; also "X_User_Id"-style spellings
  // of it, which some frameworks read as the same header).
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      std::string k = lowerCase(n);
      std::ranges::replace(k, '_', '-');
      if (k == lowerCase(std::string(name))) out.push_back(v);
    }
    return out;
  }
};

// The echo's report in a 200, or nullopt (and a failed test) for anything else.
std::optional<Echo> echoed(const std::optional<HttpResult>& r) {
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  if (!r || r->status != 200) return std::nullopt;
  const json j = r->json();
  EXPECT_TRUE(j.is_object() && j.contains("headers") && j.contains("connection")) << "not the echo's report: " << *r;
  if (!j.is_object() || !j.contains("headers") || !j.contains("connection")) return std::nullopt;
  Echo e;
  e.httpVersion = j.value("httpVersion", "");
  for (const auto& h : j["headers"]) e.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
  e.connectionId = j["connection"].value("id", 0);
  e.requestOnConnection = j["connection"].value("request", 0);
  return e;
}

using Values = std::vector<std::string>;

// What a client sends to impersonate someone, or to plant addresses and ids.
const Headers kSpoofed{
    {"X-User-Id", "spoofed-user"},
    {"X-Key-Id", "spoofed-key"},
    {"X-Auth-Type", "apiKey"},
    {"X-Auth-Scopes", "spoofed:scope"},
    {"X_User_Id", "spoofed-user"},
    {"X-Real-IP", "203.0.113.7"},
    {"X-Forwarded-For", "203.0.113.7, 198.51.100.1"},
    {"X-Forwarded-Proto", "https"},
    {"X-Request-Id", "spoofed-request-id"},
};

Headers with(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Nothing the client planted reached the upstream, under any header name.
void expectNothingSpoofed(const Echo& e) {
  for (const auto& [n, v] : e.headers) {
    EXPECT_FALSE(v.contains("spoofed")) << "the client's " << n << ": " << v << " reached the upstream";
    EXPECT_FALSE(v.contains("203.0.113.7") || v.contains("198.51.100.1"))
        << "the client's address reached the upstream in " << n << ": " << v;
  }
}

bool isLowerHex(std::string_view s) {
  return std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(E2eGuardUpstreamTest, JwtIdentityOnlyFromAuthd) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-jwt");
  ASSERT_FALSE(a.id.empty());
  const auto r = get(testEnv().nginxPort, "/protected/echo/jwt", with(bearer(a.accessToken), kSpoofed));
  const auto e = echoed(r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->all("X-User-Id"), Values{a.id});
  EXPECT_EQ(e->all("X-Auth-Type"), Values{"jwt"});
  EXPECT_EQ(e->all("X-Key-Id"), Values{}) << "a JWT has no key id, and the client's must not arrive";
  EXPECT_EQ(e->all("X-Auth-Scopes"), Values{}) << "a JWT has no scopes, and the client's must not arrive";
  expectNothingSpoofed(*e);
}

TEST(E2eGuardUpstreamTest, ApiKeyIdentityOnlyFromAuthd) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-key");
  ASSERT_FALSE(a.id.empty());
  const Key k =
      createKnownKey(testEnv().nginxPort, a, {{"name", "echo"}, {"scopes", {"reports:read", "reports:write"}}});
  ASSERT_FALSE(k.id.empty());
  // The scopes header as authd itself gives it.
  const auto direct = verifyOn(1, "?mode=any", apiKey(k.key));
  ASSERT_TRUE(direct && direct->status == 200) << describe(direct);
  const std::string scopes = direct->header("x-auth-scopes");
  EXPECT_NE(scopes.find("reports:read"), std::string::npos) << scopes;

  const auto e = echoed(get(testEnv().nginxPort, "/protected/echo/key", with({{"x-api-key", k.key}}, kSpoofed)));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->all("X-User-Id"), Values{a.id});
  EXPECT_EQ(e->all("X-Key-Id"), Values{k.id});
  EXPECT_EQ(e->all("X-Auth-Type"), Values{"apiKey"});
  EXPECT_EQ(e->all("X-Auth-Scopes"), Values{scopes});
  expectNothingSpoofed(*e);
}

// X-Real-IP, X-Forwarded-For, X-Forwarded-Proto and X-Request-Id are nginx's; Host is the client's;
// the server's add_header (X-Content-Type-Options) is on the answer.
TEST(E2eGuardUpstreamTest, ForwardingHeadersSetByNginx) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-fwd");
  ASSERT_FALSE(a.id.empty());
  const auto r = get(testEnv().nginxPort, "/protected/echo/fwd",
                     with(with(bearer(a.accessToken), kSpoofed), {{"Host", "app.example.test"}}));
  const auto e = echoed(r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->all("Host"), Values{"app.example.test"}) << "Host as the client sent it, not the upstream's name";
  EXPECT_EQ(e->all("X-Real-IP"), Values{"127.0.0.1"});
  EXPECT_EQ(e->all("X-Forwarded-For"), Values{"127.0.0.1"});
  EXPECT_EQ(e->all("X-Forwarded-Proto"), Values{"http"});
  const Values ids = e->all("X-Request-Id");
  ASSERT_EQ(ids.size(), 1u) << "one X-Request-Id, nginx's";
  EXPECT_EQ(ids[0].size(), 32u) << ids[0];
  EXPECT_TRUE(isLowerHex(ids[0])) << ids[0];
  expectNothingSpoofed(*e);
  EXPECT_EQ(r->header("x-content-type-options"), "nosniff") << "the server's add_header was dropped";
}

// Two requests on one client connection reach the upstream over HTTP/1.1 on one kept-alive connection.
TEST(E2eGuardUpstreamTest, KeepAliveToUpstream) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-ka");
  ASSERT_FALSE(a.id.empty());
  const auto answers =
      getOnOneConnection(testEnv().nginxPort, {"/protected/echo/ka1", "/protected/echo/ka2"}, bearer(a.accessToken));
  ASSERT_TRUE(answers) << lastError();
  ASSERT_EQ(answers->size(), 2u);
  const auto first = echoed((*answers)[0]);
  const auto second = echoed((*answers)[1]);
  ASSERT_TRUE(first && second);
  for (const Echo* e : {&*first, &*second}) {
    EXPECT_EQ(e->httpVersion, "1.1");
    for (const auto& c : e->all("Connection")) EXPECT_NE(lowerCase(c), "close") << "nginx asked the upstream to close";
  }
  EXPECT_EQ(second->connectionId, first->connectionId) << "the second request came on a new upstream connection";
  EXPECT_GT(second->requestOnConnection, first->requestOnConnection);
}

// Denials are nginx's JSON, never the upstream's, and carry the server's add_header too.
TEST(E2eGuardUpstreamTest, DenialsNeverReachTheUpstream) {
  const uint16_t port = testEnv().nginxPort;
  for (const auto& [headers, status, code] : std::vector<std::tuple<Headers, int, std::string>>{
           {kSpoofed, 401, "missing_credentials"}, {with(bearer("not.a.jwt"), kSpoofed), 401, "invalid_token"}}) {
    const auto r = get(port, "/protected/echo/denied", headers);
    ASSERT_TRUE(r) << lastError();
    EXPECT_EQ(r->status, status) << *r;
    EXPECT_EQ(r->json().value("code", ""), code) << *r;
    EXPECT_FALSE(r->json().contains("headers")) << "the upstream answered: " << *r;
    EXPECT_EQ(r->header("x-content-type-options"), "nosniff") << *r;
  }
}

// With the upstream down, a good credential gets the server's JSON 502, not authd's 503 "unavailable".
TEST(E2eGuardUpstreamTest, UpstreamFailureIsNotAnAuthOutage) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-down");
  ASSERT_FALSE(a.id.empty());
  {
    ServiceOutage outage("the echo upstream", "echo-stop", [] { return stack("echo-start") == 0; });
    ASSERT_TRUE(outage.stopped());
    const auto r = get(testEnv().nginxPort, "/protected/echo/down", bearer(a.accessToken));
    ASSERT_TRUE(r) << lastError();
    EXPECT_EQ(r->status, 502) << *r;
    EXPECT_EQ(r->json().value("error", ""), "Bad Gateway") << *r;
    EXPECT_NE(r->json().value("code", ""), "auth_unavailable") << *r;
  }
  EXPECT_TRUE(echoed(get(testEnv().nginxPort, "/protected/echo/up", bearer(a.accessToken))));
}

// With authd down the guard still fails closed: JSON 503 auth_unavailable with Retry-After, and the
// upstream is never asked (the guard maps only its own failed subrequest, a 500, to that page).
TEST(E2eGuardUpstreamTest, AuthdDownFailsClosed) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-authd-down");
  ASSERT_FALSE(a.id.empty());
  InstanceRestarter restart1(1);
  InstanceRestarter restart2(2);
  ASSERT_EQ(stack("authd-stop", 1), 0);
  ASSERT_EQ(stack("authd-stop", 2), 0);
  const auto r = get(testEnv().nginxPort, "/protected/echo/authd-down", bearer(a.accessToken));
  ASSERT_TRUE(r) << lastError();
  EXPECT_EQ(r->status, 503) << *r;
  EXPECT_EQ(r->json().value("code", ""), "auth_unavailable") << *r;
  EXPECT_EQ(r->header("retry-after"), "1") << *r;
  EXPECT_FALSE(r->json().contains("headers")) << "the upstream answered: " << *r;
}

// Guards configured wrong (tests/e2e/nginx/test-server.conf) refuse a credential that would pass,
// with a JSON 500 guard_misconfigured, and never reach the upstream.
TEST(E2eGuardUpstreamTest, MisconfiguredGuardsFailClosed) {
  const Account a = signup(testEnv().nginxPort, "e2e-guard-bad");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKnownKey(testEnv().nginxPort, a, {{"name", "reports"}, {"scopes", {"reports:read"}}});
  ASSERT_FALSE(k.id.empty());
  const Key bare = createKnownKey(testEnv().nginxPort, a, {{"name", "no scopes"}});
  ASSERT_FALSE(bare.id.empty());
  for (const char* path :
       {"/guard-test/no-mode/", "/guard-test/bad-mode/", "/guard-test/bad-scopes/", "/guard-test/bad-cost/"}) {
    for (const Headers& h : {bearer(a.accessToken), Headers{{"x-api-key", k.key}}, Headers{{"x-api-key", bare.key}}}) {
      const auto r = get(testEnv().nginxPort, path, h);
      ASSERT_TRUE(r) << path << ": " << lastError();
      EXPECT_EQ(r->status, 500) << path << " with " << h[0].first << ": " << *r;
      const json j = r->json();
      EXPECT_EQ(j.value("code", ""), "guard_misconfigured") << path << ": " << *r;
      EXPECT_EQ(j.value("statusCode", 0), 500) << path << ": " << *r;
      EXPECT_FALSE(j.contains("headers")) << path << ": the upstream answered: " << *r;
    }
  }
}

}  // namespace
}  // namespace authd::testing
