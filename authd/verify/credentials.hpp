// Finding the credential in a request: `Authorization: Bearer <JWT>`,
// `Authorization: Bearer sk_…` or `x-api-key: sk_…`. A route reads only the
// credentials of the kinds it accepts (SPEC, Protected routes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authd::verify {

// Which credentials a route accepts.
enum class Mode { kJwt, kApiKey, kAny };

enum class CredentialKind {
  kNone,       // nothing that looks like a credential was sent
  kJwt,        // a JWT to verify (value empty: Authorization held something unreadable)
  kApiKey,     // an API key to verify
  kWrongKind,  // only a credential of a kind the route does not accept was sent (never read further)
};

struct Credential {
  CredentialKind kind = CredentialKind::kNone;
  std::string_view value;  // points into the header it came from
};

// The token of a "Bearer <token>" header (scheme case-insensitive); nullopt otherwise.
std::optional<std::string_view> bearerToken(std::string_view authorization);

// The credential a route of `mode` reads:
// - kJwt reads Authorization only: whatever x-api-key holds, a Bearer JWT decides.
// - kApiKey reads x-api-key, else a "Bearer sk_…" Authorization: whatever Authorization holds, a
//   non-empty x-api-key decides.
// - kAny reads both; x-api-key wins when both are sent (a Bearer JWT for the app plus a key for
//   the gateway is a legitimate combination).
// When nothing of an accepted kind was sent but something of another kind was, the result is
// kWrongKind: the caller learns why, and that credential is not checked.
Credential extractCredential(Mode mode, const std::optional<std::string>& authorization,
                             const std::optional<std::string>& apiKey);

}  // namespace authd::verify
