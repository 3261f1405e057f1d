// AccessTokens with asymmetric keys (ES256, EdDSA), kids, previous keys and the JWKS document; the HS256
// checks shared by every algorithm are in access_tokens_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/signing_key.hpp"
#include "tokens/access_tokens.hpp"
#include "unit/test_keys.hpp"

namespace authd::tokens {
namespace {

using namespace std::chrono_literals;
using crypto::JwsAlg;
using crypto::SigningKey;
using nlohmann::json;

constexpr std::string_view kSecret = "signing-test-secret-long-enough-0123456789";
constexpr std::string_view kUserId = "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

std::string b64(std::string_view s) { return crypto::base64UrlEncode(s); }

SigningKey key(std::string_view pem, bool wantPrivate = true) {
  auto k = SigningKey::fromPem(pem, "test.pem", std::nullopt, wantPrivate);
  if (!k) ADD_FAILURE() << k.error();
  return std::move(*k);
}

std::string headerOf(std::string_view token) {
  return crypto::base64UrlDecode(token.substr(0, token.find('.'))).value();
}

class AccessTokensSigningTest : public ::testing::Test {
 protected:
  std::unique_ptr<AccessTokens> make(std::optional<std::string_view> current,
                                     std::initializer_list<std::string_view> previous = {}) {
    SigningKeys keys{std::string(kSecret), nullptr, {}};
    if (current) keys.current = std::make_shared<const SigningKey>(key(*current));
    for (const auto p : previous) keys.previous.push_back(std::make_shared<const SigningKey>(key(p, false)));
    return AccessTokens::create(std::move(keys), "authd", 3600s, clock_);
  }
  json validPayload() const {
    const int64_t now = toUnixSeconds(clock_.now());
    return {{"sub", kUserId}, {"email", "a@example.com"}, {"typ", "access"}, {"jti", crypto::uuidV4()},
            {"iat", now},     {"exp", now + 3600},        {"iss", "authd"}};
  }
  // A token with this exact header, signed by `signer` (or HMAC'd with `secret` when null): the test's
  // attacker signs correctly, so a refusal proves the check under test.
  std::string forge(std::string_view headerJson, const SigningKey* signer, std::string_view secret = kSecret) const {
    const std::string input = b64(headerJson) + "." + b64(validPayload().dump());
    std::string sig;
    if (signer != nullptr) {
      sig = signer->sign(input);
    } else {
      const auto mac = crypto::hmacSha256(secret, input);
      sig.assign(reinterpret_cast<const char*>(mac.data()), mac.size());
    }
    return input + "." + b64(sig);
  }
  void expectRefused(const AccessTokens& t, std::string_view token, std::string_view why) const {
    const auto r = t.verify(token);
    ASSERT_FALSE(r.has_value()) << "accepted: " << headerOf(token);
    EXPECT_EQ(r.error().code, Code::kInvalidToken);
    EXPECT_EQ(r.error().message, why) << headerOf(token);
  }

  FakeClock clock_;
};

// ES256 and EdDSA tokens carry {"alg","kid","typ"} with the key's RFC 7638 kid and a 64-byte signature,
// and verify with their claims.
TEST_F(AccessTokensSigningTest, AsymmetricTokensCarryKidAndVerify) {
  for (const auto& [pem, alg] : {std::pair{testkeys::kEcP256Pem, "ES256"}, std::pair{testkeys::kEd25519Pem, "EdDSA"}}) {
    const auto t = make(pem);
    const auto token = t->issue(kUserId, "a@example.com", "3c2b1a09-8f7e-4d6c-9b5a-0f1e2d3c4b5a");
    EXPECT_EQ(headerOf(token),
              std::string(R"({"alg":")") + alg + R"(","kid":")" + key(pem).kid() + R"(","typ":"JWT"})");
    EXPECT_EQ(crypto::base64UrlDecode(token.substr(token.rfind('.') + 1))->size(), 64u);
    const auto claims = t->verify(token);
    ASSERT_TRUE(claims) << claims.error().message;
    EXPECT_EQ(claims->sub, kUserId);
    EXPECT_EQ(claims->sid, "3c2b1a09-8f7e-4d6c-9b5a-0f1e2d3c4b5a");
    EXPECT_EQ(t->currentKid(), key(pem).kid());
  }
}

// A header in another member order or spacing (what other JOSE libraries write) takes the slow path and
// verifies too.
TEST_F(AccessTokensSigningTest, NonCanonicalHeaderVerifies) {
  const auto t = make(testkeys::kEcP256Pem);
  const auto k = key(testkeys::kEcP256Pem);
  EXPECT_TRUE(t->verify(forge(R"({ "kid": ")" + k.kid() + R"(", "alg": "ES256" })", &k)));
}

// A kid that is not in the key set (another key's, or junk, or not a string) is refused.
TEST_F(AccessTokensSigningTest, UnknownKidRefused) {
  const auto t = make(testkeys::kEcP256Pem);
  const auto other = key(testkeys::kEcP256SecondPem);
  expectRefused(*t, make(testkeys::kEcP256SecondPem)->issue(kUserId, "a@example.com"), "unknown_kid");
  expectRefused(*t, forge(R"({"alg":"ES256","kid":"nope"})", &other), "unknown_kid");
  expectRefused(*t, forge(R"({"alg":"ES256","kid":7})", &other), "unknown_kid");
}

// One algorithm per kid: the current kid with any other alg is refused before the signature, including
// HS256 "signed" with the public JWK (key confusion) and EdDSA.
TEST_F(AccessTokensSigningTest, AlgMustBeTheKidsAlg) {
  const auto t = make(testkeys::kEcP256Pem);
  const auto k = key(testkeys::kEcP256Pem);
  const auto ed = key(testkeys::kEd25519Pem);
  expectRefused(*t, forge(R"({"alg":"HS256","kid":")" + k.kid() + R"("})", nullptr, k.publicJwk().dump()),
                "alg_mismatch");
  expectRefused(*t, forge(R"({"alg":"HS256","kid":")" + k.kid() + R"("})", nullptr), "alg_mismatch");
  expectRefused(*t, forge(R"({"alg":"EdDSA","kid":")" + k.kid() + R"("})", &ed), "alg_mismatch");
  expectRefused(*t, forge(R"({"alg":"ES384","kid":")" + k.kid() + R"("})", &k), "unacceptable_alg");
}

// alg none (or missing, or not a string) is refused with a kid, whatever the signature part holds.
TEST_F(AccessTokensSigningTest, AlgNoneRefused) {
  const auto t = make(testkeys::kEcP256Pem);
  const auto k = key(testkeys::kEcP256Pem);
  const std::string kid = k.kid();
  expectRefused(*t, forge(R"({"alg":"none","kid":")" + kid + R"("})", &k), "unacceptable_alg");
  expectRefused(*t, b64(R"({"alg":"none","kid":")" + kid + R"("})") + "." + b64(validPayload().dump()) + ".",
                "malformed");
  expectRefused(*t, forge(R"({"kid":")" + kid + R"("})", &k), "unacceptable_alg");
  expectRefused(*t, forge(R"({"alg":null,"kid":")" + kid + R"("})", &k), "unacceptable_alg");
}

// A header carrying or pointing at a key (jwk, jku, x5u, x5c, x5t) is refused even when the signature is
// good for the kid's key, and so is one with crit.
TEST_F(AccessTokensSigningTest, KeyCarryingAndCritHeadersRefused) {
  const auto t = make(testkeys::kEcP256Pem);
  const auto k = key(testkeys::kEcP256Pem);
  const std::string start = R"({"alg":"ES256","kid":")" + k.kid() + R"(",)";
  ASSERT_TRUE(t->verify(forge(start + R"("typ":"JWT"})", &k))) << "the control token verifies";
  const std::string jwk = k.publicJwk().dump();
  for (const std::string& member : {R"("jwk":)" + jwk, std::string(R"("jku":"https://evil.example/jwks.json")"),
                                    std::string(R"("x5u":"https://evil.example/c.pem")"),
                                    std::string(R"("x5c":["MIIB"])"), std::string(R"("x5t":"abc")")}) {
    expectRefused(*t, forge(start + member + "}", &k), "header_carries_key");
  }
  expectRefused(*t, forge(start + R"("crit":["exp"]})", &k), "unacceptable_header");
  expectRefused(*t, forge(start + R"("typ":"at+jwt"})", &k), "unacceptable_header");
  // kid named twice: readers would disagree on which key.
  expectRefused(*t, forge(start + R"("kid":"x"})", &k), "unacceptable_header");
}

// Under ES256 (or EdDSA) HS256 tokens are refused: with JWT_SECRET's kid (unknown: the secret no longer
// verifies) and without a kid (issued before the upgrade); clients refresh.
TEST_F(AccessTokensSigningTest, Hs256RefusedUnderAsymmetric) {
  const auto hs = AccessTokens::createHs256(std::string(kSecret), "authd", 3600s, clock_);
  for (const auto pem : {testkeys::kEcP256Pem, testkeys::kEd25519Pem}) {
    const auto t = make(pem);
    expectRefused(*t, hs->issue(kUserId, "a@example.com"), "unknown_kid");
    expectRefused(*t, forge(R"({"alg":"HS256","typ":"JWT"})", nullptr), "missing_kid");
    expectRefused(*t, forge(R"({"alg":"HS256"})", nullptr), "missing_kid");
  }
}

// Under HS256, a token from before kids ({"alg":"HS256","typ":"JWT"} and other kid-less forms) still
// verifies with JWT_SECRET, and so does one with the secret's kid; a wrong secret still fails.
TEST_F(AccessTokensSigningTest, Hs256WithoutKidStillVerifiesWhenCurrent) {
  const auto t = make(std::nullopt);
  EXPECT_TRUE(t->verify(forge(R"({"alg":"HS256","typ":"JWT"})", nullptr)));
  EXPECT_TRUE(t->verify(forge(R"({"typ":"JWT","alg":"HS256"})", nullptr)));
  EXPECT_TRUE(t->verify(t->issue(kUserId, "a@example.com")));
  expectRefused(*t, forge(R"({"alg":"HS256","typ":"JWT"})", nullptr, "another-secret-0123456789abcdef0123"),
                "bad_signature");
  const auto k = key(testkeys::kEcP256Pem);
  expectRefused(*t, forge(R"({"alg":"ES256"})", &k), "missing_kid");
}

// Rotation: a token signed by the old key verifies while that key is a previous key, of the same or
// another algorithm (and from a public PEM), and is refused (unknown kid) once it is removed.
TEST_F(AccessTokensSigningTest, PreviousKeyAcceptedRemovedKeyRefused) {
  const auto old = make(testkeys::kEcP256Pem)->issue(kUserId, "a@example.com");
  const auto oldEd = make(testkeys::kEd25519Pem)->issue(kUserId, "a@example.com");
  const auto rotated = make(testkeys::kEcP256SecondPem, {testkeys::kEcP256PublicPem, testkeys::kEd25519PublicPem});
  EXPECT_TRUE(rotated->verify(old));
  EXPECT_TRUE(rotated->verify(oldEd));
  EXPECT_TRUE(rotated->verify(rotated->issue(kUserId, "a@example.com")));
  EXPECT_EQ(rotated->currentKid(), key(testkeys::kEcP256SecondPem).kid());
  const auto removed = make(testkeys::kEcP256SecondPem);
  expectRefused(*removed, old, "unknown_kid");
  expectRefused(*removed, oldEd, "unknown_kid");
  // A previous key's alg is pinned too.
  const auto k = key(testkeys::kEcP256Pem);
  expectRefused(*rotated, forge(R"({"alg":"EdDSA","kid":")" + k.kid() + R"("})", &k), "alg_mismatch");
}

// A tampered payload or signature, or a signature of the wrong size, fails the ES256/EdDSA check.
TEST_F(AccessTokensSigningTest, BadSignaturesRefused) {
  for (const auto pem : {testkeys::kEcP256Pem, testkeys::kEd25519Pem}) {
    const auto t = make(pem);
    const auto token = t->issue(kUserId, "a@example.com");
    const auto last = token.rfind('.');
    auto tampered = token;
    tampered[last + 5] = tampered[last + 5] == 'A' ? 'B' : 'A';
    expectRefused(*t, tampered, "bad_signature");
    expectRefused(*t, token.substr(0, last + 1) + b64(std::string(63, 'x')), "bad_signature");
    expectRefused(*t, token.substr(0, last + 1) + b64(std::string(65, 'x')), "bad_signature");
    const auto other = make(testkeys::kEcP256SecondPem)->issue(kUserId, "a@example.com");
    expectRefused(*t, token.substr(0, last) + other.substr(other.rfind('.')), "bad_signature");
  }
}

// The JWKS lists the public keys, current first then previous, each with kty crv x (y) kid alg use, and
// no private member; a key given twice is listed once.
TEST_F(AccessTokensSigningTest, JwksListsCurrentThenPrevious) {
  const auto t = make(testkeys::kEcP256Pem, {testkeys::kEd25519PublicPem, testkeys::kEcP256PublicPem});
  const json doc = json::parse(t->jwks());
  ASSERT_EQ(doc.at("keys").size(), 2u);
  const auto ec = key(testkeys::kEcP256Pem);
  const auto ed = key(testkeys::kEd25519Pem);
  EXPECT_EQ(doc["keys"][0], json({{"kty", "EC"},
                                  {"crv", "P-256"},
                                  {"x", testkeys::kEcP256X},
                                  {"y", testkeys::kEcP256Y},
                                  {"kid", ec.kid()},
                                  {"alg", "ES256"},
                                  {"use", "sig"}}));
  EXPECT_EQ(doc["keys"][1], json({{"kty", "OKP"},
                                  {"crv", "Ed25519"},
                                  {"x", ed.publicJwk()["x"]},
                                  {"kid", ed.kid()},
                                  {"alg", "EdDSA"},
                                  {"use", "sig"}}));
  EXPECT_EQ(t->jwks().find("\"d\""), std::string::npos);
  // Under HS256 only the previous asymmetric keys are published, never the secret.
  EXPECT_EQ(json::parse(make(std::nullopt, {testkeys::kEd25519PublicPem})->jwks())["keys"].size(), 1u);
  EXPECT_EQ(make(std::nullopt)->jwks(), R"({"keys":[]})");
}

}  // namespace
}  // namespace authd::tokens
