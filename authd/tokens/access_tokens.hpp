// JWT access tokens: the one place in authd that issues and verifies them, and
// the JWKS document that publishes their public keys.
// Verification is hand-written (shape, header, signature - constant-time HMAC
// or the key's ES256/EdDSA check - then claims) rather than cpp-jwt's decode,
// which compares HMACs with `==`, checks claims before the signature and reads
// past a trailing '.'. Each kid pins one key and one algorithm.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/signing_key.hpp"

namespace authd::tokens {

// The claims of a verified access token that callers need.
struct AccessClaims {
  std::string sub;    // user id
  std::string email;  // email at issue time
  std::string jti;    // token id, for the logout denylist
  int64_t iat;        // issued at, unix seconds
  int64_t exp;        // expires at, unix seconds
  std::string sid;    // session (refresh-token family) id; empty if the token has none
};

// What access tokens are signed and verified with.
struct SigningKeys {
  std::string hmacSecret;                             // JWT_SECRET: HS256's key
  std::shared_ptr<const crypto::SigningKey> current;  // signs new tokens (private key); null: HS256 with hmacSecret
  std::vector<std::shared_ptr<const crypto::SigningKey>> previous;  // verify only, until their tokens expire
};

class AccessTokens {
 public:
  virtual ~AccessTokens() = default;
  // Issues a JWT signed with the current key, its kid in the header, for the user: claims sub email typ:"access" jti
  // iat exp iss, and sid (the refresh-token family, so logout can end that session) when given.
  virtual std::string issue(std::string_view userId, std::string_view email, std::string_view sessionId = {}) const = 0;
  // Verifies a token: kInvalidToken for anything malformed/forged/wrong (the Error's message names the
  // check that failed, for the request log only), kTokenExpired when past exp.
  virtual Result<AccessClaims> verify(std::string_view token) const = 0;
  // The JWKS document (RFC 7517 §5) of the asymmetric keys that verify: current first, then previous;
  // {"keys":[]} when only the HS256 secret does (which is never published).
  virtual const std::string& jwks() const = 0;
  // The kid new tokens carry (RFC 7638 thumbprint of the current key's JWK, or of the secret's oct JWK).
  virtual const std::string& currentKid() const = 0;

  // Signs with keys.current (ES256/EdDSA) or, without it, HS256; verifies with every key. Tokens without a
  // kid (issued before kids) verify only while HS256 is the current algorithm.
  static std::unique_ptr<AccessTokens> create(SigningKeys keys, std::string issuer, std::chrono::seconds ttl,
                                              const Clock& clock);
  // HS256 with a shared secret; the secret's strength is config's job, not checked here.
  static std::unique_ptr<AccessTokens> createHs256(std::string secret, std::string issuer, std::chrono::seconds ttl,
                                                   const Clock& clock);
};

}  // namespace authd::tokens
