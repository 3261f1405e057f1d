#include "verify/credentials.hpp"

#include "keys/api_key.hpp"

namespace authd::verify {

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

Credential extractCredential(const std::optional<std::string>& authorization, const std::optional<std::string>& apiKey) {
  if (apiKey && !apiKey->empty()) return {CredentialKind::kApiKey, *apiKey};
  if (authorization) {
    if (auto token = bearerToken(*authorization)) {
      return {keys::looksLikeApiKey(*token) ? CredentialKind::kApiKey : CredentialKind::kJwt, *token};
    }
    // Something was sent, just not in a form we read: it is not a valid JWT.
    if (!authorization->empty()) return {CredentialKind::kJwt, std::string_view()};
  }
  return {};
}

}  // namespace authd::verify
