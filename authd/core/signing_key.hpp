// Asymmetric JWS keys (ES256 on P-256, EdDSA on Ed25519) loaded from PEM files: sign, verify, the public
// JWK and its RFC 7638 thumbprint (the `kid`). OpenSSL stays behind a pimpl: this header names none of its
// types, so only core links libcrypto.
#pragma once

#include <expected>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace authd::crypto {

// The JWS algorithms authd signs access tokens with (RFC 7518 §3.1, RFC 8037 §3.1).
enum class JwsAlg {
  kHs256,  // HMAC-SHA256 with JWT_SECRET (the drop-in default; no SigningKey)
  kEs256,  // ECDSA P-256 + SHA-256; signatures are raw r||s, 64 bytes
  kEdDsa,  // Ed25519; 64-byte signatures
};

// "HS256", "ES256", "EdDSA": the header's `alg` value.
std::string_view jwsAlgName(JwsAlg alg);
// The inverse of jwsAlgName; nullopt for any other text (`none` included).
std::optional<JwsAlg> parseJwsAlg(std::string_view name);

class SigningKey {
 public:
  // Reads a PEM key file. With `wantPrivate`, only a private key is accepted; else a public key is too.
  // With `expected`, the key must be of that algorithm's type (P-256 for ES256, Ed25519 for EdDSA);
  // without, the algorithm is the key's type. Refused, each with one line naming the file: unreadable,
  // world-readable (a private key readable by everyone is no longer private), not a PEM key, or a key of
  // another type (RSA, P-384, X25519, ...).
  static std::expected<SigningKey, std::string> loadPemFile(const std::string& path, std::optional<JwsAlg> expected,
                                                            bool wantPrivate);
  // As loadPemFile, from PEM text (`origin` names it in errors); no file-mode check.
  static std::expected<SigningKey, std::string> fromPem(std::string_view pem, const std::string& origin,
                                                        std::optional<JwsAlg> expected, bool wantPrivate);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  JwsAlg alg() const;
  // Whether sign() can be used (the file held a private key).
  bool hasPrivate() const;
  // The JWS signature of `input` (raw r||s for ES256); empty without a private key.
  std::string sign(std::string_view input) const;
  // Whether `signature` is this key's JWS signature of `input`; any malformed signature is false.
  bool verify(std::string_view input, std::string_view signature) const;
  // The public JWK's required members: {"kty","crv","x"} and "y" for EC.
  const nlohmann::json& publicJwk() const;
  // RFC 7638 thumbprint of publicJwk(): base64url(SHA-256(canonical JSON)).
  const std::string& kid() const;

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// RFC 7638 thumbprint of a JWK given as its required members: the members sorted, no whitespace, hashed.
// Used for the kid of EC/OKP keys and of the HS256 secret's {"k","kty":"oct"}.
std::string jwkThumbprint(const nlohmann::json& requiredMembers);

}  // namespace authd::crypto
