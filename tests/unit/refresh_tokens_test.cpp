#include "tokens/refresh_tokens.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "support/fakes/fake_refresh_token_store.hpp"

namespace authd::tokens {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kUserId = "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

class RefreshTokensTest : public ::testing::Test {
 protected:
  void expectInvalid(const Result<Rotated>& r) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Code::kInvalidRefreshToken) << codeName(r.error().code);
  }

  testing::FakeRefreshTokenStore store_;
  FakeClock clock_;
  RefreshTokens tokens_{store_, clock_, 7 * 24h};
};

// An issued token has the documented shape and only its SHA-256 hash is stored, with a fresh family.
TEST_F(RefreshTokensTest, IssueStoresOnlyTheHash) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  EXPECT_TRUE(issued->token.starts_with("rt_"));
  EXPECT_EQ(issued->token.size(), 46u);
  EXPECT_TRUE(crypto::isUuid(issued->familyId));
  ASSERT_EQ(store_.rows.size(), 1u);
  const auto& [hash, row] = *store_.rows.begin();
  EXPECT_EQ(hash, RefreshTokens::hashToken(issued->token));
  EXPECT_EQ(hash, crypto::sha256Hex(issued->token));
  EXPECT_EQ(row.userId, kUserId);
  EXPECT_EQ(row.familyId, issued->familyId);
  EXPECT_TRUE(crypto::isUuid(row.id));
  EXPECT_EQ(row.expiresAt, clock_.now() + 7 * 24h);
  EXPECT_FALSE(row.used);
  EXPECT_FALSE(row.revoked);
}

// Issuing into an existing family keeps that family id.
TEST_F(RefreshTokensTest, IssueIntoGivenFamily) {
  const auto issued = tokens_.issue(kUserId, "11111111-2222-4333-8444-555555555555");
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(issued->familyId, "11111111-2222-4333-8444-555555555555");
}

// Rotation returns a different token in the same family for the same user, and the successor rotates too.
TEST_F(RefreshTokensTest, RotateGivesNewTokenInSameFamily) {
  const auto first = tokens_.issue(kUserId);
  ASSERT_TRUE(first.has_value());
  const auto second = tokens_.rotate(first->token);
  ASSERT_TRUE(second.has_value()) << codeName(second.error().code);
  EXPECT_EQ(second->userId, kUserId);
  EXPECT_EQ(second->next.familyId, first->familyId);
  EXPECT_NE(second->next.token, first->token);
  const auto third = tokens_.rotate(second->next.token);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->next.familyId, first->familyId);
}

// Presenting a spent token fails and revokes the family, so the legitimate successor dies too.
TEST_F(RefreshTokensTest, ReuseRevokesWholeFamily) {
  const auto first = tokens_.issue(kUserId);
  const auto other = tokens_.issue(kUserId);  // another login: must survive
  ASSERT_TRUE(first && other);
  const auto second = tokens_.rotate(first->token);
  ASSERT_TRUE(second.has_value());

  expectInvalid(tokens_.rotate(first->token));
  expectInvalid(tokens_.rotate(second->next.token));
  EXPECT_TRUE(tokens_.rotate(other->token).has_value());
}

// A token presented after its lifetime is refused.
TEST_F(RefreshTokensTest, ExpiredTokenRejected) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  clock_.advance(7 * 24h);
  expectInvalid(tokens_.rotate(issued->token));
}

// A token just before expiry still rotates.
TEST_F(RefreshTokensTest, TokenJustBeforeExpiryRotates) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  clock_.advance(7 * 24h - 1s);
  EXPECT_TRUE(tokens_.rotate(issued->token).has_value());
}

// A well-formed token the store does not know is refused.
TEST_F(RefreshTokensTest, UnknownTokenRejected) {
  expectInvalid(tokens_.rotate("rt_" + crypto::base64UrlEncode(crypto::randomBytes(32))));
}

// Malformed tokens are refused without a single store call.
TEST_F(RefreshTokensTest, MalformedTokensRejectedWithoutStoreCalls) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  const int before = store_.calls;
  const std::string good = issued->token;
  std::string badChar = good;
  badChar[10] = '+';
  std::string nonCanonical = "rt_" + std::string(42, 'A') + "B";  // nonzero unused tail bits
  for (const std::string& bad : {std::string(), std::string("garbage"), std::string("rt_"), good.substr(3),
                                 "sk_" + good.substr(3), good + "A", good.substr(0, good.size() - 1), badChar,
                                 good + "=", " " + good.substr(1), nonCanonical, std::string(10'000, 'x')}) {
    expectInvalid(tokens_.rotate(bad));
    EXPECT_TRUE(tokens_.revokeFamilyOf(bad).has_value());
  }
  EXPECT_EQ(store_.calls, before);
}

// Logout revokes the token's family: neither it nor its family can be rotated afterwards.
TEST_F(RefreshTokensTest, RevokeFamilyOfMakesFamilyUnusable) {
  const auto first = tokens_.issue(kUserId);
  ASSERT_TRUE(first.has_value());
  const auto second = tokens_.rotate(first->token);
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(tokens_.revokeFamilyOf(second->next.token).has_value());
  expectInvalid(tokens_.rotate(second->next.token));
  for (const auto& [hash, row] : store_.rows) EXPECT_TRUE(row.revoked);
}

// Logging out with an unknown token is not an error.
TEST_F(RefreshTokensTest, RevokeFamilyOfUnknownTokenIsOk) {
  EXPECT_TRUE(tokens_.revokeFamilyOf("rt_" + crypto::base64UrlEncode(crypto::randomBytes(32))).has_value());
}

// Reuse revokes the family itself, not only the tokens it has now: a token stored in the family afterwards (the
// successor of a rotation that raced the reuse) never rotates either.
TEST_F(RefreshTokensTest, ReuseRevokesTokensStoredLaterToo) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  ASSERT_TRUE(tokens_.rotate(issued->token).has_value());
  expectInvalid(tokens_.rotate(issued->token));  // reuse
  EXPECT_TRUE(store_.revokedFamilies.contains(issued->familyId));
  const auto late = tokens_.issue(kUserId, issued->familyId);
  ASSERT_TRUE(late.has_value());
  expectInvalid(tokens_.rotate(late->token));
}

// The rotation is one store call carrying the successor: the hash stored is that of the token handed out, with the
// configured lifetime, in the same family.
TEST_F(RefreshTokensTest, RotateStoresTheSuccessorInOneCall) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  const int before = store_.calls;
  const auto next = tokens_.rotate(issued->token);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(store_.calls, before + 1);
  const auto it = store_.rows.find(RefreshTokens::hashToken(next->next.token));
  ASSERT_NE(it, store_.rows.end());
  EXPECT_EQ(it->second.familyId, issued->familyId);
  EXPECT_EQ(it->second.userId, kUserId);
  EXPECT_EQ(it->second.expiresAt, clock_.now() + 7 * 24h);
  EXPECT_FALSE(it->second.used);
}

// A database outage surfaces as kDatabaseUnavailable (503), not as an invalid token (401).
TEST_F(RefreshTokensTest, StoreErrorsPassThrough) {
  const auto issued = tokens_.issue(kUserId);
  ASSERT_TRUE(issued.has_value());
  store_.down = true;
  const auto rotated = tokens_.rotate(issued->token);
  ASSERT_FALSE(rotated.has_value());
  EXPECT_EQ(rotated.error().code, Code::kDatabaseUnavailable);
  const auto revoked = tokens_.revokeFamilyOf(issued->token);
  ASSERT_FALSE(revoked.has_value());
  EXPECT_EQ(revoked.error().code, Code::kDatabaseUnavailable);
  const auto fresh = tokens_.issue(kUserId);
  ASSERT_FALSE(fresh.has_value());
  EXPECT_EQ(fresh.error().code, Code::kDatabaseUnavailable);
  // Once the database is back the token was not spent by the failed attempt.
  store_.down = false;
  EXPECT_TRUE(tokens_.rotate(issued->token).has_value());
}

}  // namespace
}  // namespace authd::tokens
