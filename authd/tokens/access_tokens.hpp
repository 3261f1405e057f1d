// JWT access tokens: the one place in authd that issues and verifies them.
// Verification is hand-written (shape, header, constant-time HMAC, then
// claims) rather than cpp-jwt's decode, which compares HMACs with `==`,
// checks claims before the signature and reads past a trailing '.'.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

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

class AccessTokens {
 public:
  virtual ~AccessTokens() = default;
  // Issues an HS256 JWT for the user: claims sub email typ:"access" jti iat exp iss, and sid
  // (the refresh-token family, so logout can end that session) when given.
  virtual std::string issue(std::string_view userId, std::string_view email, std::string_view sessionId = {}) const = 0;
  // Verifies a token: kInvalidToken for anything malformed/forged/wrong (the Error's message names the
  // check that failed, for the request log only), kTokenExpired when past exp.
  virtual Result<AccessClaims> verify(std::string_view token) const = 0;
  // HS256 with a shared secret; the secret's strength is config's job, not checked here.
  static std::unique_ptr<AccessTokens> createHs256(std::string secret, std::string issuer, std::chrono::seconds ttl,
                                                   const Clock& clock);
};

}  // namespace authd::tokens
