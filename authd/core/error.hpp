// Errors are values: domain code returns Result<T>; http/error_table maps
// each Code to one status and JSON body. No exception crosses a layer.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd {

enum class Code {
  // 400: the request body or parameters are not acceptable.
  kInvalidJson,       // body is not well-formed JSON (or not UTF-8)
  kValidationFailed,  // well-formed but a field is missing, mistyped or out of range
  kInvalidId,         // a path id is not a UUID
  // 401: no or bad credentials.
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
  kWrongCredentialType,  // a credential of a kind the route does not accept (not checked further)
  // 403: authenticated, not allowed.
  kInsufficientScope,    // key lacks a scope the route requires
  kUserInactive,         // user deactivated
  kRateLimited,          // API key over its rate limit (403 to nginx, 429 to clients)
  // Others.
  kNotFound,             // 404: route or resource does not exist (or is not yours)
  kMethodNotAllowed,     // 405
  kEmailTaken,           // 409
  kPayloadTooLarge,      // 413
  kUnsupportedMediaType, // 415
  kTooManyRequests,      // 429: login throttling
  kOverloaded,           // 503: the worker queue is full
  kDatabaseUnavailable,  // 503: PostgreSQL unreachable
  kCacheUnavailable,     // 503: Redis unreachable where it is required
  kInternal,             // 500: a bug; details are logged, never returned
};

struct Error {
  Code code;
  std::string message;                // human text; empty = the table's default
  std::vector<std::string> details;   // validation messages, if any
  int retryAfterSeconds = 0;          // set for throttling/rate limits

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

// The one table: stable name ("key_expired", used in JSON bodies and the
// X-Auth-Error header), HTTP status and default message of every code.
struct CodeInfo {
  std::string_view name;
  int httpStatus;
  std::string_view message;
};
const CodeInfo& info(Code c);
inline std::string_view codeName(Code c) { return info(c).name; }

}  // namespace authd
