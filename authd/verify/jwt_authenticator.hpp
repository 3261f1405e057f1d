// A request's JWT → its verified claims: signature and claims (AccessTokens),
// then the logout denylist (the token's jti and its session's sid). Used by
// the account and key endpoints and /verify.
// Tokens that verified are remembered by their exact text for a minute, so a
// client reusing its token skips the HMAC and the JSON parse; expiry and the
// denylist are still checked on every use.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "tokens/access_tokens.hpp"
#include "tokens/denylist.hpp"
#include "verify/l1_cache.hpp"

namespace authd::verify {

class JwtAuthenticator {
 public:
  JwtAuthenticator(const tokens::AccessTokens& tokens, const tokens::Denylist& denylist, const Clock& clock)
      : tokens_(tokens), denylist_(denylist), clock_(clock) {}

  // Verifies a bare token: kInvalidToken, kTokenExpired or kTokenRevoked on failure.
  Result<tokens::AccessClaims> verifyToken(std::string_view token) const;

  // Reads `Authorization: Bearer <JWT>`: kMissingCredentials when absent,
  // kWrongCredentialType for an API key, else as verifyToken().
  Result<tokens::AccessClaims> authenticate(const std::optional<std::string>& authorization,
                                            const std::optional<std::string>& apiKey) const;

 private:
  const tokens::AccessTokens& tokens_;
  const tokens::Denylist& denylist_;
  const Clock& clock_;
  mutable L1Cache<tokens::AccessClaims> verified_{10'000};
};

}  // namespace authd::verify
