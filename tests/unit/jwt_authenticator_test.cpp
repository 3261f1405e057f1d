#include "verify/jwt_authenticator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace authd::verify {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kUser = "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  static std::optional<std::string> bearer(const std::string& t) { return "Bearer " + t; }
  static void expectCode(const Result<tokens::AccessClaims>& r, Code c) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, c) << codeName(r.error().code) << " != " << codeName(c);
  }

  FakeClock clock_;
  std::unique_ptr<tokens::AccessTokens> tokens_ =
      tokens::AccessTokens::createHs256("jwt-authenticator-test-secret-0123456789", "authd", 1h, clock_);
  tokens::Denylist denylist_;
  JwtAuthenticator auth_{*tokens_, denylist_, clock_};
};

// No Authorization and no x-api-key: kMissingCredentials.
TEST_F(JwtAuthenticatorTest, MissingCredentials) {
  expectCode(auth_.authenticate(std::nullopt, std::nullopt), Code::kMissingCredentials);
}

// An API key, in either header, is the wrong kind of credential for a JWT route.
TEST_F(JwtAuthenticatorTest, ApiKeyIsWrongCredentialType) {
  const std::string key = "sk_live_0123456789abcdef0123456789abcdef01234567";
  expectCode(auth_.authenticate(std::nullopt, key), Code::kWrongCredentialType);
  expectCode(auth_.authenticate(bearer(key), std::nullopt), Code::kWrongCredentialType);
}

// A valid token yields its claims.
TEST_F(JwtAuthenticatorTest, ValidTokenGivesClaims) {
  const std::string t = tokens_->issue(kUser, "ann@example.com", "11111111-2222-4333-8444-555555555555");
  const auto r = auth_.authenticate(bearer(t), std::nullopt);
  ASSERT_TRUE(r.has_value()) << codeName(r.error().code);
  EXPECT_EQ(r->sub, kUser);
  EXPECT_EQ(r->email, "ann@example.com");
  EXPECT_EQ(r->sid, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(r->exp, toUnixSeconds(clock_.now()) + 3600);
}

// A denylisted jti is kTokenRevoked, until the denial lapses with the token itself.
TEST_F(JwtAuthenticatorTest, DenylistedJtiIsRevoked) {
  const std::string t = tokens_->issue(kUser, "ann@example.com");
  const auto claims = tokens_->verify(t);
  ASSERT_TRUE(claims.has_value());
  denylist_.add(claims->jti, claims->exp);
  expectCode(auth_.authenticate(bearer(t), std::nullopt), Code::kTokenRevoked);
  expectCode(auth_.verifyToken(t), Code::kTokenRevoked);
  // Another token of the same user is unaffected.
  EXPECT_TRUE(auth_.authenticate(bearer(tokens_->issue(kUser, "ann@example.com")), std::nullopt).has_value());
}

// A revoked session (sid) denies every access token of that session, older ones included, and none of another.
TEST_F(JwtAuthenticatorTest, RevokedSessionDeniesAllItsTokens) {
  const std::string sid = "3e1f6c1e-0d3c-4a3e-9b1e-5c2f0e6d7a8b";
  const std::string t0 = tokens_->issue(kUser, "ann@example.com", sid);
  clock_.advance(10s);
  const std::string t1 = tokens_->issue(kUser, "ann@example.com", sid);
  const std::string other = tokens_->issue(kUser, "ann@example.com", "5a1f6c1e-0d3c-4a3e-9b1e-5c2f0e6d7a8c");
  ASSERT_TRUE(auth_.verifyToken(t0).has_value());  // now cached as verified: the denial must still apply
  denylist_.addSession(sid, toUnixSeconds(clock_.now()) + 3600);
  expectCode(auth_.verifyToken(t0), Code::kTokenRevoked);
  expectCode(auth_.authenticate(bearer(t1), std::nullopt), Code::kTokenRevoked);
  EXPECT_TRUE(auth_.verifyToken(other).has_value());
  // A token without a sid is not caught by some empty-sid denial.
  EXPECT_TRUE(auth_.verifyToken(tokens_->issue(kUser, "ann@example.com")).has_value());
}

// Past exp the token is kTokenExpired (checked after the signature).
TEST_F(JwtAuthenticatorTest, ExpiredToken) {
  const std::string t = tokens_->issue(kUser, "ann@example.com");
  clock_.advance(1h);
  expectCode(auth_.authenticate(bearer(t), std::nullopt), Code::kTokenExpired);
}

// Garbage Authorization, an empty Bearer, a foreign signature and alg none are kInvalidToken.
TEST_F(JwtAuthenticatorTest, BadTokensAreInvalid) {
  const auto other = tokens::AccessTokens::createHs256("another-secret-entirely-0123456789abcdef", "authd", 1h, clock_);
  const std::string foreign = other->issue(kUser, "ann@example.com");
  const std::string good = tokens_->issue(kUser, "ann@example.com");
  const std::string payload = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
  const std::string algNone = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + ".";
  for (const std::optional<std::string>& h : std::vector<std::optional<std::string>>{
           std::optional<std::string>("garbage"), std::optional<std::string>("Bearer "), bearer("not.a.jwt"),
           bearer(foreign), bearer(algNone), bearer(good + "x")}) {
    expectCode(auth_.authenticate(h, std::nullopt), Code::kInvalidToken);
  }
}

}  // namespace
}  // namespace authd::verify
