// authd's /verify asked directly, as nginx's auth_request does: empty bodies
// (Content-Length: 0) whatever the verdict, identity in X-Auth-* headers,
// the reason in X-Auth-Error, 400 for a bad mode; and revocations (a deleted
// key, a logged-out JWT) made on instance 1 are seen by instance 2, whose
// caches were warm, within one second.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/matchers.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// No body at all: Content-Length 0 and nothing after the headers (nginx drops keep-alive otherwise).
::testing::AssertionResult isEmptyBodied(const HttpResult& r) {
  if (!r.body.empty()) return ::testing::AssertionFailure() << "body not empty: " << r.body.size() << " bytes: " << r;
  if (r.header("content-length") != "0")
    return ::testing::AssertionFailure() << "Content-Length '" << r.header("content-length") << "': " << r;
  if (!r.header("transfer-encoding").empty())
    return ::testing::AssertionFailure() << "Transfer-Encoding '" << r.header("transfer-encoding") << "'";
  return ::testing::AssertionSuccess();
}

// A denial from /verify: status, X-Auth-Error, empty body, no identity, and the RFC 6750 challenge on a 401.
::testing::AssertionResult isVerifyDenial(const std::optional<HttpResult>& r, int status, std::string_view code) {
  if (!r) return ::testing::AssertionFailure() << describe(r);
  if (r->status != status || r->header("x-auth-error") != code)
    return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got " << describe(r);
  if (auto e = isEmptyBodied(*r); !e) return e;
  for (const char* h : {"x-auth-type", "x-user-id", "x-key-id"}) {
    if (!r->header(h).empty()) return ::testing::AssertionFailure() << h << " on a denial: " << describe(r);
  }
  if (status == 401) {
    const std::string want = bearerChallenge(code);
    if (r->header("www-authenticate") != want)
      return ::testing::AssertionFailure()
             << "WWW-Authenticate '" << r->header("www-authenticate") << "', expected '" << want << "'";
  }
  return ::testing::AssertionSuccess();
}

std::set<std::string> splitScopes(const std::string& s) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    const auto comma = s.find(',', start);
    out.insert(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A JWT: 200, empty body, X-Auth-Type jwt, X-User-Id, no X-Key-Id, empty X-Auth-Scopes; on both instances and in
// modes jwt and any.
TEST(E2eVerifyDirectTest, JwtSuccessHeadersAndEmptyBody) {
  const Account a = signup(testEnv().nginxPort, "e2e-verify-jwt");
  ASSERT_FALSE(a.id.empty());
  for (const int n : {1, 2}) {
    for (const char* mode : {"?mode=jwt", "?mode=any"}) {
      const auto r = verifyOn(n, mode, bearer(a.accessToken));
      ASSERT_TRUE(r) << describe(r);
      ASSERT_EQ(r->status, 200) << "instance " << n << " " << mode << ": " << describe(r);
      EXPECT_TRUE(isEmptyBodied(*r)) << "instance " << n;
      EXPECT_EQ(r->header("x-auth-type"), "jwt") << "instance " << n;
      EXPECT_EQ(r->header("x-user-id"), a.id) << "instance " << n;
      EXPECT_EQ(r->header("x-key-id"), "") << "instance " << n;
      EXPECT_EQ(r->header("x-auth-scopes"), "") << "instance " << n;
      EXPECT_EQ(r->header("x-auth-error"), "") << "instance " << n;
      EXPECT_EQ(r->header("ratelimit-limit"), "") << "instance " << n;
    }
  }
}

// A key: 200, empty body, X-Auth-Type apiKey, X-User-Id of its owner, X-Key-Id, X-Auth-Scopes listing its scopes;
// the same key as a Bearer token; required scopes it holds pass.
TEST(E2eVerifyDirectTest, KeySuccessHeadersAndEmptyBody) {
  const Account a = signup(testEnv().nginxPort, "e2e-verify-key");
  ASSERT_FALSE(a.id.empty());
  const Key k =
      createKnownKey(testEnv().nginxPort, a, {{"name", "scoped"}, {"scopes", {"reports:read", "billing.write"}}});
  ASSERT_FALSE(k.key.empty());
  for (const int n : {1, 2}) {
    for (const auto& [query, headers] :
         std::vector<std::pair<std::string, Headers>>{{"?mode=apikey", apiKey(k.key)},
                                                      {"?mode=any", bearer(k.key)},
                                                      {"?mode=apikey&scopes=reports:read", apiKey(k.key)},
                                                      {"?mode=any&scopes=reports:read,billing.write", apiKey(k.key)}}) {
      const auto r = verifyOn(n, query, headers);
      ASSERT_TRUE(r) << describe(r);
      ASSERT_EQ(r->status, 200) << "instance " << n << " " << query << ": " << describe(r);
      EXPECT_TRUE(isEmptyBodied(*r));
      EXPECT_EQ(r->header("x-auth-type"), "apiKey") << query;
      EXPECT_EQ(r->header("x-user-id"), a.id) << query;
      EXPECT_EQ(r->header("x-key-id"), k.id) << query;
      EXPECT_EQ(splitScopes(r->header("x-auth-scopes")), (std::set<std::string>{"reports:read", "billing.write"}))
          << "X-Auth-Scopes '" << r->header("x-auth-scopes") << "'";
      EXPECT_EQ(r->header("x-auth-error"), "") << query;
      EXPECT_EQ(r->header("www-authenticate"), "") << query;
    }
  }
}

// Every denial: the right status and X-Auth-Error, an empty body, no identity headers, WWW-Authenticate on 401s.
TEST(E2eVerifyDirectTest, DenialsCarryTheirCodeAndNoBody) {
  const Account a = signup(testEnv().nginxPort, "e2e-verify-deny");
  ASSERT_FALSE(a.id.empty());
  const Key plain = createKnownKey(testEnv().nginxPort, a, {{"name", "plain"}});
  ASSERT_FALSE(plain.key.empty());
  std::string badChecksum = plain.key;
  badChecksum.back() = badChecksum.back() == 'a' ? 'b' : 'a';
  const std::string unknown = keys::generateKey(keys::kDefaultKeyPrefix).key;

  struct Row {
    std::string query;
    Headers headers;
    int status;
    std::string code;
  };
  const std::vector<Row> rows{
      {"?mode=any", {}, 401, "missing_credentials"},
      {"?mode=jwt", {}, 401, "missing_credentials"},
      {"?mode=apikey", {}, 401, "missing_credentials"},
      {"?mode=any", bearer("garbage"), 401, "invalid_token"},
      {"?mode=jwt", bearer("a.b.c"), 401, "invalid_token"},
      {"?mode=any", {{"Authorization", "Basic dXNlcjpwYXNz"}}, 401, "invalid_token"},
      {"?mode=any", apiKey("garbage"), 401, "malformed_key"},
      {"?mode=apikey", apiKey(badChecksum), 401, "malformed_key"},
      {"?mode=apikey", bearer(badChecksum), 401, "malformed_key"},
      {"?mode=any", apiKey(unknown), 401, "invalid_key"},
      {"?mode=apikey", bearer(unknown), 401, "invalid_key"},
      {"?mode=jwt", apiKey(plain.key), 401, "wrong_credential_type"},
      {"?mode=jwt", bearer(plain.key), 401, "wrong_credential_type"},
      {"?mode=apikey", bearer(a.accessToken), 401, "wrong_credential_type"},
      {"?mode=apikey&scopes=reports:read", apiKey(plain.key), 403, "insufficient_scope"},
      {"?mode=any&scopes=reports:read", bearer(a.accessToken), 403, "insufficient_scope"},
  };
  for (const int n : {1, 2}) {
    for (const Row& row : rows) {
      EXPECT_TRUE(isVerifyDenial(verifyOn(n, row.query, row.headers), row.status, row.code))
          << "instance " << n << " " << row.query;
    }
  }
}

// An unknown mode is a 400 (a misconfigured nginx location), with an empty body; it never authenticates anyone.
TEST(E2eVerifyDirectTest, InvalidModeIs400) {
  const Account a = signup(testEnv().nginxPort, "e2e-verify-mode");
  ASSERT_FALSE(a.id.empty());
  for (const int n : {1, 2}) {
    for (const char* query : {"?mode=invalid", "?mode=", "?mode=JWT"}) {
      const auto r = verifyOn(n, query, bearer(a.accessToken));
      ASSERT_TRUE(r) << describe(r);
      EXPECT_EQ(r->status, 400) << "instance " << n << " " << query << ": " << describe(r);
      EXPECT_TRUE(isEmptyBodied(*r)) << query;
      EXPECT_EQ(r->header("x-user-id"), "") << query;
      EXPECT_EQ(r->header("x-auth-type"), "") << query;
    }
  }
}

// Revocation reaches the other instance within a second: a key verified on instance 2 (its caches warm), deleted
// through instance 1, is 401 key_revoked on instance 2 in under 1000 ms.
TEST(E2eVerifyDirectTest, KeyRevocationSeenBySecondInstanceWithinOneSecond) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.authdPort(1), "e2e-verify-revoke");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKnownKey(env.authdPort(1), a, {{"name", "to revoke"}});
  ASSERT_FALSE(k.key.empty());
  for (int i = 0; i < 3; ++i) {
    const auto r = verifyOn(2, "?mode=apikey", apiKey(k.key));
    ASSERT_TRUE(r && r->status == 200) << "warming instance 2: " << describe(r);
  }
  const auto del = request(env.authdPort(1), "DELETE", "/keys/" + k.id, bearer(a.accessToken));
  ASSERT_TRUE(del) << describe(del);
  ASSERT_TRUE(del->status == 200 || del->status == 204) << describe(del);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(isVerifyDenial(verifyOn(1, "?mode=apikey", apiKey(k.key)), 401, "key_revoked")) << "instance 1";

  std::optional<HttpResult> last;
  eventually(
      [&] {
        last = verifyOn(2, "?mode=apikey", apiKey(k.key));
        return last && last->status != 200;
      },
      3s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_LT(took.count(), 1000) << "instance 2 took " << took.count() << " ms to see the revocation";
  EXPECT_TRUE(isVerifyDenial(last, 401, "key_revoked")) << "instance 2 after " << took.count() << " ms";
  // And it stays revoked (no cache tier brings it back).
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(isVerifyDenial(verifyOn(2, "?mode=apikey", bearer(k.key)), 401, "key_revoked"));
  }
}

// Logout on instance 1 denies the access token on instance 2 (which had verified it) within a second.
TEST(E2eVerifyDirectTest, LogoutSeenBySecondInstanceWithinOneSecond) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.authdPort(1), "e2e-verify-logout");
  ASSERT_FALSE(a.id.empty());
  for (int i = 0; i < 3; ++i) {
    const auto r = verifyOn(2, "?mode=jwt", bearer(a.accessToken));
    ASSERT_TRUE(r && r->status == 200) << "warming instance 2: " << describe(r);
  }
  const auto out = request(env.authdPort(1), "POST", "/auth/logout", bearer(a.accessToken));
  ASSERT_TRUE(out) << describe(out);
  ASSERT_TRUE(out->status == 200 || out->status == 204) << describe(out);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(isVerifyDenial(verifyOn(1, "?mode=jwt", bearer(a.accessToken)), 401, "token_revoked")) << "instance 1";

  std::optional<HttpResult> last;
  eventually(
      [&] {
        last = verifyOn(2, "?mode=any", bearer(a.accessToken));
        return last && last->status != 200;
      },
      3s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_LT(took.count(), 1000) << "instance 2 took " << took.count() << " ms to see the logout";
  EXPECT_TRUE(isVerifyDenial(last, 401, "token_revoked")) << "instance 2 after " << took.count() << " ms";
}

// A key created on instance 1 is accepted by instance 2 at once, even before instance 2 has heard of it over
// pub/sub: a key-filter miss asks Redis, where the creator put the key before announcing it.
TEST(E2eVerifyDirectTest, NewKeyIsAcceptedAtOnceByTheOtherInstance) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.authdPort(1), "e2e-verify-race");
  ASSERT_FALSE(a.id.empty());
  int refused = 0;
  std::string example;
  for (int i = 0; i < 30; ++i) {
    const auto created = postJson(env.authdPort(1), "/keys/create", {{"name", "race"}}, bearer(a.accessToken));
    ASSERT_TRUE(created && created->status == 201) << describe(created);
    const auto r = verifyOn(2, "?mode=apikey", apiKey(created->json().value("key", "")));
    ASSERT_TRUE(r) << describe(r);
    if (r->status != 200) {
      ++refused;
      example = describe(r);
    }
  }
  EXPECT_EQ(refused, 0) << refused << " of 30 new keys refused by the other instance right after creation, e.g. "
                        << example;
}

}  // namespace
}  // namespace authd::testing
