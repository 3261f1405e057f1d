#include "tokens/access_tokens.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"

namespace authd::tokens {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view kSecret = "test-secret-that-is-long-enough-0123456789";
constexpr std::string_view kIssuer = "authd";
constexpr std::string_view kUserId = "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

std::string b64(std::string_view s) { return crypto::base64UrlEncode(s); }

// Signs "b64(header).b64(payload)" with HMAC-SHA256 like a real issuer would,
// so that a rejection proves the check under test, not a broken signature.
std::string sign(std::string_view headerJson, std::string_view payloadJson, std::string_view secret = kSecret) {
  const std::string input = b64(headerJson) + "." + b64(payloadJson);
  const auto mac = crypto::hmacSha256(secret, input);
  return input + "." + b64(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

class AccessTokensTest : public ::testing::Test {
 protected:
  // Claims a valid token would carry at the fake clock's now.
  json validPayload() const {
    const int64_t now = toUnixSeconds(clock_.now());
    return {{"sub", kUserId}, {"email", "a@example.com"}, {"typ", "access"}, {"jti", crypto::uuidV4()},
            {"iat", now},     {"exp", now + 3600},        {"iss", kIssuer}};
  }
  std::string signedWith(const json& payload) const { return sign(kHs256Header, payload.dump()); }
  void expectCode(std::string_view token, Code code) const {
    const auto r = tokens_->verify(token);
    ASSERT_FALSE(r.has_value()) << "accepted: " << token;
    EXPECT_EQ(r.error().code, code) << codeName(r.error().code) << ": " << r.error().message;
  }

  static constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";
  FakeClock clock_;
  std::unique_ptr<AccessTokens> tokens_ =
      AccessTokens::createHs256(std::string(kSecret), std::string(kIssuer), 3600s, clock_);
};

// An issued token verifies and carries the user's claims with exp = iat + ttl.
TEST_F(AccessTokensTest, IssuedTokenVerifiesWithItsClaims) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  const auto claims = tokens_->verify(token);
  ASSERT_TRUE(claims.has_value()) << codeName(claims.error().code) << ": " << claims.error().message;
  EXPECT_EQ(claims->sub, kUserId);
  EXPECT_EQ(claims->email, "a@example.com");
  EXPECT_TRUE(crypto::isUuid(claims->jti));
  EXPECT_EQ(claims->iat, toUnixSeconds(clock_.now()));
  EXPECT_EQ(claims->exp, claims->iat + 3600);
}

// The header is exactly {"alg":"HS256","kid":…,"typ":"JWT"}, the kid being the RFC 7638 thumbprint of the
// secret's oct JWK, and the payload has every claim the spec lists.
TEST_F(AccessTokensTest, IssuedTokenHasExactHeaderAndAllClaims) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const auto digest = crypto::sha256(R"({"k":")" + b64(kSecret) + R"(","kty":"oct"})");
  const std::string kid = b64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  EXPECT_EQ(tokens_->currentKid(), kid);
  EXPECT_EQ(crypto::base64UrlDecode(token.substr(0, dot1)).value(),
            R"({"alg":"HS256","kid":")" + kid + R"(","typ":"JWT"})");
  EXPECT_EQ(tokens_->jwks(), R"({"keys":[]})") << "the secret is never published";
  const json payload = json::parse(crypto::base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)).value());
  EXPECT_EQ(payload.at("sub"), kUserId);
  EXPECT_EQ(payload.at("email"), "a@example.com");
  EXPECT_EQ(payload.at("typ"), "access");
  EXPECT_EQ(payload.at("iss"), kIssuer);
  EXPECT_TRUE(payload.at("jti").is_string());
  EXPECT_TRUE(payload.at("iat").is_number_integer());
  EXPECT_TRUE(payload.at("exp").is_number_integer());
}

// Two tokens for the same user get different jti, so logout can deny one without the other.
TEST_F(AccessTokensTest, EachTokenHasItsOwnJti) {
  const auto a = tokens_->verify(tokens_->issue(kUserId, "a@example.com"));
  const auto b = tokens_->verify(tokens_->issue(kUserId, "a@example.com"));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->jti, b->jti);
}

// A token built by the test's own signer is accepted: the helper is a fair attacker model.
TEST_F(AccessTokensTest, HandSignedValidTokenIsAccepted) {
  EXPECT_TRUE(tokens_->verify(signedWith(validPayload())).has_value());
}

// alg:none is refused whether the signature part is empty or carries a valid HMAC.
TEST_F(AccessTokensTest, RejectsAlgNone) {
  const std::string payload = validPayload().dump();
  expectCode(b64(R"({"alg":"none"})") + "." + b64(payload) + ".", Code::kInvalidToken);
  expectCode(sign(R"({"alg":"none"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":"none","typ":"JWT"})", payload), Code::kInvalidToken);
}

// A correctly shaped HS256 token signed with another secret is a forgery.
TEST_F(AccessTokensTest, RejectsTokenSignedWithAnotherSecret) {
  expectCode(sign(kHs256Header, validPayload().dump(), "another-secret-another-secret-another"), Code::kInvalidToken);
}

// Only HS256 is accepted: HS512, RS256 (key confusion), lowercase and non-string alg all fail.
TEST_F(AccessTokensTest, RejectsOtherAlgorithms) {
  const std::string payload = validPayload().dump();
  expectCode(sign(R"({"alg":"HS512","typ":"JWT"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":"RS256","typ":"JWT"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":"hs256","typ":"JWT"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":["HS256"],"typ":"JWT"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"typ":"JWT"})", payload), Code::kInvalidToken);
}

// A header with another typ is refused; one without typ, or with keys reordered, is fine.
TEST_F(AccessTokensTest, HeaderTypMustBeJwtWhenPresent) {
  const std::string payload = validPayload().dump();
  expectCode(sign(R"({"alg":"HS256","typ":"JWS"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":"HS256","typ":1})", payload), Code::kInvalidToken);
  EXPECT_TRUE(tokens_->verify(sign(R"({"alg":"HS256"})", payload)).has_value());
  EXPECT_TRUE(tokens_->verify(sign(R"({"typ":"JWT","alg":"HS256"})", payload)).has_value());
}

// Changing the payload while keeping the original signature is detected.
TEST_F(AccessTokensTest, RejectsTamperedPayload) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  json payload = json::parse(crypto::base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)).value());
  payload["sub"] = "00000000-0000-4000-8000-000000000000";
  expectCode(token.substr(0, dot1) + "." + b64(payload.dump()) + token.substr(dot2), Code::kInvalidToken);
}

// A flipped signature bit is detected.
TEST_F(AccessTokensTest, RejectsTamperedSignature) {
  std::string token = tokens_->issue(kUserId, "a@example.com");
  token[token.size() - 2] = token[token.size() - 2] == 'A' ? 'B' : 'A';
  expectCode(token, Code::kInvalidToken);
}

// A signature that is not exactly 32 bytes is refused, even as a prefix of the right one.
TEST_F(AccessTokensTest, RejectsTruncatedSignature) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  expectCode(token.substr(0, token.size() - 4), Code::kInvalidToken);
}

// Without exp a token would never expire, so it is refused.
TEST_F(AccessTokensTest, RejectsMissingExp) {
  json payload = validPayload();
  payload.erase("exp");
  expectCode(signedWith(payload), Code::kInvalidToken);
}

// Without iat the token is refused too.
TEST_F(AccessTokensTest, RejectsMissingIat) {
  json payload = validPayload();
  payload.erase("iat");
  expectCode(signedWith(payload), Code::kInvalidToken);
}

// Once the clock passes exp, an issued token answers kTokenExpired, not kInvalidToken.
TEST_F(AccessTokensTest, ExpiredTokenIsReportedAsExpired) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  clock_.advance(3599s);
  EXPECT_TRUE(tokens_->verify(token).has_value());
  clock_.advance(1s);  // exp <= now: expired at the exact second
  expectCode(token, Code::kTokenExpired);
  clock_.advance(24h);
  expectCode(token, Code::kTokenExpired);
}

// A token from another issuer, or with no issuer, is refused.
TEST_F(AccessTokensTest, RejectsWrongIssuer) {
  json payload = validPayload();
  payload["iss"] = "someone-else";
  expectCode(signedWith(payload), Code::kInvalidToken);
  payload.erase("iss");
  expectCode(signedWith(payload), Code::kInvalidToken);
}

// A refresh-typed (or untyped) JWT can't be used as an access token.
TEST_F(AccessTokensTest, RejectsWrongTyp) {
  json payload = validPayload();
  payload["typ"] = "refresh";
  expectCode(signedWith(payload), Code::kInvalidToken);
  payload.erase("typ");
  expectCode(signedWith(payload), Code::kInvalidToken);
}

// sub and jti must be non-empty strings and email a string.
TEST_F(AccessTokensTest, RejectsMissingOrEmptyIdentityClaims) {
  for (const char* key : {"sub", "jti", "email"}) {
    json payload = validPayload();
    payload.erase(key);
    expectCode(signedWith(payload), Code::kInvalidToken);
  }
  for (const char* key : {"sub", "jti"}) {
    json payload = validPayload();
    payload[key] = "";
    expectCode(signedWith(payload), Code::kInvalidToken);
  }
  json payload = validPayload();
  payload["sub"] = 42;
  expectCode(signedWith(payload), Code::kInvalidToken);
}

// A token ending in '.' (empty signature) is refused; cpp-jwt 1.4 reads out of bounds on it.
TEST_F(AccessTokensTest, RejectsTokenEndingInDot) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  expectCode(token.substr(0, token.rfind('.') + 1), Code::kInvalidToken);
  expectCode(token + ".", Code::kInvalidToken);
}

// Anything but exactly three parts is refused.
TEST_F(AccessTokensTest, RejectsTwoOrFourParts) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  expectCode(token.substr(0, token.rfind('.')), Code::kInvalidToken);
  expectCode(token + ".AAAA", Code::kInvalidToken);
  expectCode("", Code::kInvalidToken);
  expectCode("abc", Code::kInvalidToken);
}

// Empty header, payload or all parts are refused.
TEST_F(AccessTokensTest, RejectsEmptyParts) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  expectCode(token.substr(dot1), Code::kInvalidToken);                              // ".payload.sig"
  expectCode(token.substr(0, dot1 + 1) + token.substr(dot2), Code::kInvalidToken);  // "header..sig"
  expectCode("..", Code::kInvalidToken);
}

// A 10 KB token is refused on length alone, even when correctly signed.
TEST_F(AccessTokensTest, RejectsOversizedToken) {
  json payload = validPayload();
  payload["pad"] = std::string(10 * 1024, 'x');
  const std::string token = signedWith(payload);
  ASSERT_GT(token.size(), 10'000u);
  expectCode(token, Code::kInvalidToken);
}

// Characters outside base64url (padding, '+', '/', spaces, non-ASCII) are refused.
TEST_F(AccessTokensTest, RejectsNonBase64UrlCharacters) {
  const std::string token = tokens_->issue(kUserId, "a@example.com");
  expectCode(token + "=", Code::kInvalidToken);
  expectCode(" " + token, Code::kInvalidToken);
  expectCode("Bearer " + token, Code::kInvalidToken);
  for (const std::string& bad :
       {std::string("+"), std::string("/"), std::string("%"), std::string("\xc3\xa9"), std::string(1, '\0')}) {
    std::string t = token;
    t.insert(5, bad);
    expectCode(t, Code::kInvalidToken);
  }
}

// exp given as a string (or a float) is a wrong type, hence invalid, not "never expires".
TEST_F(AccessTokensTest, RejectsExpOfWrongType) {
  json payload = validPayload();
  payload["exp"] = std::to_string(payload["exp"].get<int64_t>());
  expectCode(signedWith(payload), Code::kInvalidToken);
  payload["exp"] = 2e9;
  expectCode(signedWith(payload), Code::kInvalidToken);
  payload["exp"] = 18446744073709551615ull;  // does not fit int64_t
  expectCode(signedWith(payload), Code::kInvalidToken);
}

// A header that is not JSON, or not an object, is refused.
TEST_F(AccessTokensTest, RejectsHeaderThatIsNotJsonObject) {
  const std::string payload = validPayload().dump();
  expectCode(sign("not json", payload), Code::kInvalidToken);
  expectCode(sign(R"(["alg","HS256"])", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":"HS256")", payload), Code::kInvalidToken);
}

// A correctly signed payload that is not a JSON object is refused.
TEST_F(AccessTokensTest, RejectsPayloadThatIsNotObject) {
  expectCode(sign(kHs256Header, R"(["sub","x"])"), Code::kInvalidToken);
  expectCode(sign(kHs256Header, "42"), Code::kInvalidToken);
  expectCode(sign(kHs256Header, "{not json"), Code::kInvalidToken);
  expectCode(sign(kHs256Header, "\"string\""), Code::kInvalidToken);
}

// Verification with another issuer configured refuses our tokens.
TEST_F(AccessTokensTest, VerifierWithOtherIssuerRefusesToken) {
  const auto other = AccessTokens::createHs256(std::string(kSecret), "other", 3600s, clock_);
  const auto r = other->verify(tokens_->issue(kUserId, "a@example.com"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalidToken);
}

// `crit` names JWS extensions the recipient must understand; authd understands none, so any crit is refused.
TEST_F(AccessTokensTest, RejectsCritHeader) {
  for (const std::string header : {R"({"alg":"HS256","typ":"JWT","crit":["exp"]})", R"({"alg":"HS256","crit":[]})",
                                   R"({"alg":"HS256","crit":"b64"})"}) {
    expectCode(sign(header, validPayload().dump()), Code::kInvalidToken);
  }
}

// A member named twice, in the header or the payload (at any depth), is refused: readers disagree on which wins.
TEST_F(AccessTokensTest, RejectsDuplicateMembers) {
  const std::string payload = validPayload().dump();
  const std::string body = payload.substr(1, payload.size() - 2);
  expectCode(sign(R"({"alg":"none","alg":"HS256","typ":"JWT"})", payload), Code::kInvalidToken);
  expectCode(sign(R"({"alg":"HS256","typ":"JWT","typ":"JWT"})", payload), Code::kInvalidToken);
  expectCode(sign(kHs256Header, "{" + body + R"(,"sub":"0f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"})"), Code::kInvalidToken);
  expectCode(sign(kHs256Header, "{" + body + R"(,"x":{"a":1,"a":2}})"), Code::kInvalidToken);
  // The same key in sibling objects is no duplicate.
  EXPECT_TRUE(tokens_->verify(sign(kHs256Header, "{" + body + R"(,"x":{"a":1},"y":{"a":2}})")).has_value());
}

// Time claims: nbf in the future, iat in the future or negative, and a lifetime past the configured one (however far,
// with no overflow) are refused; within the 60 s skew they pass.
TEST_F(AccessTokensTest, TimeClaimsAreBounded) {
  const int64_t now = toUnixSeconds(clock_.now());
  const auto with = [&](const char* name, json value) {
    json p = validPayload();
    p[name] = std::move(value);
    return signedWith(p);
  };
  expectCode(with("nbf", now + 61), Code::kInvalidToken);
  expectCode(with("nbf", "soon"), Code::kInvalidToken);
  EXPECT_TRUE(tokens_->verify(with("nbf", now + 30)).has_value());
  EXPECT_TRUE(tokens_->verify(with("nbf", now - 30)).has_value());
  expectCode(with("iat", now + 61), Code::kInvalidToken);
  expectCode(with("iat", -1), Code::kInvalidToken);
  EXPECT_TRUE(tokens_->verify(with("iat", now + 30)).has_value());
  expectCode(with("exp", now + 3600 + 61), Code::kInvalidToken);
  expectCode(with("exp", std::numeric_limits<int64_t>::max()), Code::kInvalidToken);
  expectCode(with("exp", int64_t{1} << 53), Code::kInvalidToken);
  EXPECT_TRUE(tokens_->verify(with("exp", now + 3600 + 60)).has_value());
  // A token whose exp is far in the past is expired, not an overflow.
  json old = validPayload();
  old["iat"] = 0;
  old["exp"] = 1;
  expectCode(signedWith(old), Code::kTokenExpired);
}

// Ids must be in the one form authd writes: jti and sid lowercase UUIDs, sub a lowercase UUID (it is passed on as
// X-User-Id, and a jti that is not a UUID could never be denied).
TEST_F(AccessTokensTest, IdsMustBeCanonicalUuids) {
  const auto with = [&](const char* name, json value) {
    json p = validPayload();
    p[name] = std::move(value);
    return signedWith(p);
  };
  expectCode(with("jti", "not-a-uuid"), Code::kInvalidToken);
  expectCode(with("jti", "6F1C2A8E-3B4D-4E5F-8A9B-0C1D2E3F4A5B"), Code::kInvalidToken);
  expectCode(with("sub", "6F1C2A8E-3B4D-4E5F-8A9B-0C1D2E3F4A5B"), Code::kInvalidToken);
  expectCode(with("sub", " 6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"), Code::kInvalidToken);
  expectCode(with("sub", "admin"), Code::kInvalidToken);
  expectCode(with("sid", "x"), Code::kInvalidToken);
  expectCode(with("sid", 5), Code::kInvalidToken);
  EXPECT_TRUE(tokens_->verify(with("sid", crypto::uuidV4())).has_value());
}

// Why a token was refused is told to the log (the Error's message), and differs by check; the code is the same.
TEST_F(AccessTokensTest, RefusalsNameTheCheckForTheLog) {
  json wrongIss = validPayload();
  wrongIss["iss"] = "evil";
  const auto a = tokens_->verify(signedWith(wrongIss));
  const auto b = tokens_->verify(sign(kHs256Header, validPayload().dump(), "another-secret-0123456789abcdef"));
  ASSERT_FALSE(a.has_value());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(a.error().code, Code::kInvalidToken);
  EXPECT_EQ(b.error().code, Code::kInvalidToken);
  EXPECT_EQ(a.error().message, "wrong_issuer");
  EXPECT_EQ(b.error().message, "bad_signature");
}

}  // namespace
}  // namespace authd::tokens
