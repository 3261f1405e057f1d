#include "core/signing_key.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "core/crypto.hpp"
#include "unit/test_keys.hpp"

namespace authd::crypto {
namespace {

using testkeys::writeKeyFile;

SigningKey load(std::string_view pem, std::optional<JwsAlg> alg = std::nullopt, bool wantPrivate = true) {
  auto k = SigningKey::fromPem(pem, "test.pem", alg, wantPrivate);
  if (!k) ADD_FAILURE() << k.error();
  return std::move(*k);
}

// RFC 8037 A.2/A.3: the Ed25519 public JWK's x and its RFC 7638 thumbprint are the published ones.
TEST(SigningKeyTest, Ed25519JwkAndThumbprintMatchRfc8037) {
  const auto k = load(testkeys::kEd25519Pem, JwsAlg::kEdDsa);
  EXPECT_EQ(k.alg(), JwsAlg::kEdDsa);
  EXPECT_EQ(k.publicJwk().dump(), R"({"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  EXPECT_EQ(k.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

// RFC 8037 A.4: Ed25519 is deterministic, so signing the example input gives the published signature.
TEST(SigningKeyTest, Ed25519SignatureMatchesRfc8037) {
  const auto k = load(testkeys::kEd25519Pem);
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  const auto sig = k.sign(input);
  EXPECT_EQ(base64UrlEncode(sig),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  EXPECT_TRUE(k.verify(input, sig));
  EXPECT_FALSE(k.verify(input + "x", sig));
}

// The EC JWK's x and y are the public point openssl prints; the kid is the thumbprint of exactly
// {"crv","kty","x","y"} in that order without whitespace (RFC 7638 §3.2).
TEST(SigningKeyTest, EcJwkMatchesOpensslAndThumbprintIsCanonical) {
  const auto k = load(testkeys::kEcP256Pem, JwsAlg::kEs256);
  EXPECT_EQ(k.publicJwk()["x"], testkeys::kEcP256X);
  EXPECT_EQ(k.publicJwk()["y"], testkeys::kEcP256Y);
  const std::string canonical = std::string(R"({"crv":"P-256","kty":"EC","x":")") + std::string(testkeys::kEcP256X) +
                                R"(","y":")" + std::string(testkeys::kEcP256Y) + R"("})";
  const auto d = sha256(canonical);
  EXPECT_EQ(k.kid(), base64UrlEncode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())));
}

// ES256 signatures are 64 raw bytes (r||s), verify, and fail for another input, a flipped bit or another key.
TEST(SigningKeyTest, Es256SignsRawRsAndVerifies) {
  const auto k = load(testkeys::kEcP256Pem);
  const auto other = load(testkeys::kEcP256SecondPem);
  const auto sig = k.sign("header.payload");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(k.verify("header.payload", sig));
  EXPECT_FALSE(k.verify("header.payloae", sig));
  EXPECT_FALSE(other.verify("header.payload", sig));
  auto flipped = sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(k.verify("header.payload", flipped));
  EXPECT_FALSE(k.verify("header.payload", sig.substr(0, 63)));
  EXPECT_FALSE(k.verify("header.payload", std::string(64, '\0')));
}

// A public PEM verifies what its private key signed, cannot sign, and has the same kid.
TEST(SigningKeyTest, PublicPemVerifiesOnly) {
  const auto priv = load(testkeys::kEcP256Pem);
  const auto pub = load(testkeys::kEcP256PublicPem, JwsAlg::kEs256, /*wantPrivate=*/false);
  EXPECT_FALSE(pub.hasPrivate());
  EXPECT_EQ(pub.kid(), priv.kid());
  EXPECT_TRUE(pub.verify("x", priv.sign("x")));
  EXPECT_TRUE(pub.sign("x").empty());
  EXPECT_EQ(load(testkeys::kEd25519PublicPem, std::nullopt, false).kid(), load(testkeys::kEd25519Pem).kid());
}

// Where a private key is required, a public PEM is refused, naming the file.
TEST(SigningKeyTest, PublicPemRefusedWhenPrivateRequired) {
  const auto k = SigningKey::fromPem(testkeys::kEcP256PublicPem, "cur.pem", JwsAlg::kEs256, true);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().rfind("cur.pem: not a PEM private key", 0), 0u) << k.error();
}

// Keys of another type are refused with what they are and what was expected.
TEST(SigningKeyTest, WrongKeyTypesRefused) {
  const struct {
    std::string_view pem;
    std::optional<JwsAlg> alg;
    std::string_view says;
  } cases[] = {
      {testkeys::kRsaPem, JwsAlg::kEs256, "a key of type RSA, expected an EC P-256 key for ES256"},
      {testkeys::kEcP384Pem, JwsAlg::kEs256, "an EC key on secp384r1, expected an EC P-256 key for ES256"},
      {testkeys::kEcP256Pem, JwsAlg::kEdDsa, "an EC key on prime256v1, expected an Ed25519 key for EdDSA"},
      {testkeys::kEd25519Pem, JwsAlg::kEs256, "expected an EC P-256 key for ES256"},
      {testkeys::kX25519Pem, std::nullopt, "a key of type X25519, expected an EC P-256 (ES256) or Ed25519 (EdDSA) key"},
      {testkeys::kRsaPem, std::nullopt, "expected an EC P-256 (ES256) or Ed25519 (EdDSA) key"},
  };
  for (const auto& c : cases) {
    const auto k = SigningKey::fromPem(c.pem, "k.pem", c.alg, true);
    ASSERT_FALSE(k) << c.says;
    EXPECT_EQ(k.error().rfind("k.pem: ", 0), 0u) << k.error();
    EXPECT_NE(k.error().find(c.says), std::string::npos) << k.error();
  }
}

// Text that is no PEM key is refused, naming the file.
TEST(SigningKeyTest, NotAKeyRefused) {
  for (const std::string_view text : {"", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}) {
    const auto k = SigningKey::fromPem(text, "junk.pem", std::nullopt, false);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().rfind("junk.pem: not a PEM private or public key", 0), 0u) << k.error();
  }
}

// Files: a 0600 key loads; a missing file, a world-readable private key and a directory are refused,
// each error starting with the path.
TEST(SigningKeyTest, FileChecks) {
  const auto good = writeKeyFile(testkeys::kEcP256Pem, 0600);
  EXPECT_TRUE(SigningKey::loadPemFile(good, JwsAlg::kEs256, true));
  const auto open = writeKeyFile(testkeys::kEcP256Pem, 0644);
  const auto worldReadable = SigningKey::loadPemFile(open, JwsAlg::kEs256, true);
  ASSERT_FALSE(worldReadable);
  EXPECT_EQ(worldReadable.error(), open + ": a private key readable by everyone (chmod 600 it)");
  const auto openPublic = writeKeyFile(testkeys::kEcP256PublicPem, 0644);
  EXPECT_TRUE(SigningKey::loadPemFile(openPublic, JwsAlg::kEs256, false)) << "a public key may be world-readable";
  const auto missing = SigningKey::loadPemFile("/nonexistent/key.pem", std::nullopt, false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().rfind("/nonexistent/key.pem: cannot read the key file", 0), 0u) << missing.error();
  const auto dir = SigningKey::loadPemFile("/tmp", std::nullopt, false);
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().rfind("/tmp: ", 0), 0u) << dir.error();
  for (const auto& p : {good, open, openPublic}) ::unlink(p.c_str());
}

// Algorithm names round-trip; `none` and other algorithms are not names authd knows.
TEST(SigningKeyTest, AlgNames) {
  for (const auto a : {JwsAlg::kHs256, JwsAlg::kEs256, JwsAlg::kEdDsa}) EXPECT_EQ(parseJwsAlg(jwsAlgName(a)), a);
  for (const std::string_view n : {"none", "RS256", "ES384", "eddsa", "HS512", ""}) EXPECT_FALSE(parseJwsAlg(n)) << n;
}

}  // namespace
}  // namespace authd::crypto
