// Errors are values: domain code returns Result<T> whose Error says what went
// wrong; http/error_table maps each Code to one HTTP status and default message
// at the edge. No exception crosses a layer.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd {

enum class Code {
  // The request itself is not acceptable (family: bad request).
  kInvalidJson,           // body is not well-formed JSON (or not UTF-8)
  kValidationFailed,      // well-formed but a field is missing, mistyped or out of range
  kInvalidId,             // a path id is not a UUID
  kInvalidMode,           // /verify: `mode` is not jwt, apikey or any
  kInvalidCost,           // /verify: `cost` is not a whole number 0-1000
  kUrlNotAllowed,         // webhooks: not http(s), or a host that resolves to a private address
  kInvalidResetToken,     // password reset: the token is unknown, expired or already used
  kPayloadTooLarge,       // the body is over the server's limit
  kUnsupportedMediaType,  // a body that is not application/json
  kRequestTimeout,        // the client was too slow sending its request
  // No or bad credentials (family: denied, unauthenticated).
  kMissingCredentials,   // nothing that looks like a credential was sent
  kInvalidCredentials,   // login: unknown email or wrong password (indistinguishable)
  kInvalidToken,         // JWT malformed, bad signature, wrong alg/iss/typ
  kTokenExpired,         // JWT past exp
  kTokenRevoked,         // JWT jti is on the denylist / refresh token spent or revoked
  kInvalidRefreshToken,  // refresh token unknown, expired or reused
  kMalformedKey,         // API key fails format or checksum
  kInvalidKey,           // API key well-formed but unknown
  kKeyExpired,           // API key past expiresAt
  kKeyRevoked,           // API key revoked
  kKeyDisabled,          // API key disabled (by its owner, or reported leaked); reversible
  kWrongCredentialType,  // a credential of a kind the route does not accept (not checked further)
  // Authenticated, not allowed (family: denied, forbidden).
  kInsufficientScope,  // key lacks a scope the route requires
  kUserInactive,       // user deactivated
  kRateLimited,        // API key over its rate limit (nginx tells clients "too many requests")
  kUsageExceeded,      // API key out of credits (nginx tells clients "too many requests")
  // What was asked for does not fit the service's state.
  kNotFound,          // route or resource does not exist (or is not yours)
  kMethodNotAllowed,  // the path exists with another method
  kEmailTaken,        // signup: the email is already registered
  kConflict,          // the resource's state does not allow the change (a rotated or revoked key)
  kWebhookLimit,      // webhooks: the user already has the most endpoints allowed
  kDocsUnavailable,   // the API documentation's assets are not installed
  kTooManyRequests,   // login throttling
  // A dependency or the server itself cannot answer now (family: unavailable).
  kOverloaded,           // the worker queue is full
  kDatabaseUnavailable,  // PostgreSQL unreachable
  kCacheUnavailable,     // Redis unreachable where it is required
  kInternal,             // a bug; details are logged, never returned. Keep last: tables are sized by it
};

// How many codes there are (tables indexed by Code are this long).
inline constexpr size_t kCodeCount = static_cast<size_t>(Code::kInternal) + 1;

struct Error {
  Code code;
  std::string message;               // human text; empty = http/error_table's default
  std::vector<std::string> details;  // validation messages, if any
  int retryAfterSeconds = 0;         // set for throttling/rate limits

  Error(Code c, std::string msg = {}) : code(c), message(std::move(msg)) {}
  static Error validation(std::vector<std::string> msgs) {
    Error e(Code::kValidationFailed);
    e.details = std::move(msgs);
    return e;
  }
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(Code c, std::string msg = {}) {
  return std::unexpected<Error>(Error(c, std::move(msg)));
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

// The stable name of a code ("key_expired"): used in JSON bodies, the
// X-Auth-Error header, metrics and logs, so it never changes once shipped.
std::string_view codeName(Code c);

}  // namespace authd
