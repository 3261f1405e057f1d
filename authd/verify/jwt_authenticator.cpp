#include "verify/jwt_authenticator.hpp"

#include "verify/credentials.hpp"

namespace authd::verify {

Result<tokens::AccessClaims> JwtAuthenticator::verifyToken(std::string_view token) const {
  auto claims = tokens_.verify(token);
  if (!claims) return claims;
  if (denylist_.contains(claims->jti, toUnixSeconds(clock_.now()))) return fail(Code::kTokenRevoked);
  return claims;
}

Result<tokens::AccessClaims> JwtAuthenticator::authenticate(const std::optional<std::string>& authorization,
                                                            const std::optional<std::string>& apiKey) const {
  const Credential c = extractCredential(authorization, apiKey);
  switch (c.kind) {
    case CredentialKind::kNone: return fail(Code::kMissingCredentials);
    case CredentialKind::kApiKey: return fail(Code::kWrongCredentialType, "This endpoint requires a JWT access token");
    case CredentialKind::kJwt: return verifyToken(c.value);
  }
  return fail(Code::kInvalidToken);
}

}  // namespace authd::verify
