#include "verify/jwt_authenticator.hpp"

#include "verify/credentials.hpp"

namespace authd::verify {

namespace {
constexpr size_t kMaxCachedToken = 4096;
constexpr auto kVerifiedFor = std::chrono::seconds(60);
}  // namespace

Result<tokens::AccessClaims> JwtAuthenticator::verifyToken(std::string_view token) const {
  const int64_t now = toUnixSeconds(clock_.now());
  const auto steadyNow = clock_.monotonic();
  // Same bytes as a token whose signature was checked: the signature is good.
  std::optional<tokens::AccessClaims> claims = verified_.get(token, steadyNow);
  if (claims) {
    if (claims->exp <= now) return fail(Code::kTokenExpired);
  } else {
    auto checked = tokens_.verify(token);
    if (!checked) return checked;
    claims = std::move(*checked);
    if (token.size() <= kMaxCachedToken) {
      const auto ttl =
          std::min<std::chrono::steady_clock::duration>(kVerifiedFor, std::chrono::seconds(claims->exp - now));
      verified_.put(std::string(token), *claims, steadyNow + ttl);
    }
  }
  // Logged out: this token (jti), or its whole session (sid) by a logout with any of its tokens or by reuse
  // detection.
  if (denylist_.contains(claims->jti, now) || denylist_.containsSession(claims->sid, now)) {
    return fail(Code::kTokenRevoked);
  }
  return std::move(*claims);
}

Result<tokens::AccessClaims> JwtAuthenticator::authenticate(const std::optional<std::string>& authorization,
                                                            const std::optional<std::string>& apiKey) const {
  // These endpoints accept only a JWT: an x-api-key sent alongside is not read.
  const Credential c = extractCredential(Mode::kJwt, authorization, apiKey);
  switch (c.kind) {
    case CredentialKind::kNone: return fail(Code::kMissingCredentials);
    case CredentialKind::kWrongKind:
    case CredentialKind::kApiKey: return fail(Code::kWrongCredentialType);
    case CredentialKind::kJwt: return verifyToken(c.value);
  }
  return fail(Code::kInvalidToken);
}

}  // namespace authd::verify
