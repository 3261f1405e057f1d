#include "verify/credentials.hpp"

#include "keys/api_key.hpp"

namespace authd::verify {
namespace {

bool present(const std::optional<std::string>& h) { return h && !h->empty(); }

// What Authorization carries: a key, a JWT, or (unreadable) an empty JWT, which fails as invalid_token.
Credential fromAuthorization(const std::string& authorization) {
  if (auto token = bearerToken(authorization)) {
    return {keys::looksLikeApiKey(*token) ? CredentialKind::kApiKey : CredentialKind::kJwt, *token};
  }
  return {CredentialKind::kJwt, std::string_view()};
}

}  // namespace

std::optional<std::string_view> bearerToken(std::string_view h) {
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return std::nullopt;
  }
  h.remove_prefix(kScheme.size());
  if (h.front() != ' ') return std::nullopt;
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  if (h.empty()) return std::nullopt;
  return h;
}

Credential extractCredential(Mode mode, const std::optional<std::string>& authorization,
                             const std::optional<std::string>& apiKey) {
  const bool keyHeader = present(apiKey);
  const std::optional<Credential> fromAuth =
      present(authorization) ? std::optional(fromAuthorization(*authorization)) : std::nullopt;
  switch (mode) {
    case Mode::kJwt:
      if (fromAuth)
        return fromAuth->kind == CredentialKind::kJwt ? *fromAuth : Credential{CredentialKind::kWrongKind, {}};
      return {keyHeader ? CredentialKind::kWrongKind : CredentialKind::kNone, {}};
    case Mode::kApiKey:
      if (keyHeader) return {CredentialKind::kApiKey, *apiKey};
      if (fromAuth)
        return fromAuth->kind == CredentialKind::kApiKey ? *fromAuth : Credential{CredentialKind::kWrongKind, {}};
      return {};
    case Mode::kAny:
      if (keyHeader) return {CredentialKind::kApiKey, *apiKey};
      if (fromAuth) return *fromAuth;
      return {};
  }
  return {};
}

}  // namespace authd::verify
