// Finding the credential in a request: `Authorization: Bearer <JWT>`,
// `Authorization: Bearer sk_…` or `x-api-key: sk_…`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authd::verify {

enum class CredentialKind { kNone, kJwt, kApiKey };

struct Credential {
  CredentialKind kind = CredentialKind::kNone;
  std::string_view value;  // points into the header it came from
};

// The token of a "Bearer <token>" header (scheme case-insensitive); nullopt otherwise.
std::optional<std::string_view> bearerToken(std::string_view authorization);

// The credential a request carries. x-api-key wins over Authorization when both are sent
// (a Bearer JWT for the app plus a key for the gateway is a legitimate combination).
Credential extractCredential(const std::optional<std::string>& authorization, const std::optional<std::string>& apiKey);

}  // namespace authd::verify
