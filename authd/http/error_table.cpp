#include "http/error_table.hpp"

#include <array>

namespace authd::http {
namespace {

struct Row {
  Code code;
  ErrorEntry entry;
};

// Indexed by Code, in the enum's order (core/error.hpp); each row names its
// code so that the static_assert below catches a missing or shifted row.
constexpr std::array<Row, kCodeCount> kTable{{
    Row{Code::kInvalidJson, {400, "Request body is not valid JSON"}},
    Row{Code::kValidationFailed, {400, "Validation failed"}},
    Row{Code::kInvalidId, {400, "Id must be a UUID"}},
    Row{Code::kInvalidMode, {400, "mode must be jwt, apikey or any"}},             // header only, no body
    Row{Code::kInvalidCost, {400, "cost must be a whole number from 0 to 1000"}},  // header only, no body
    Row{Code::kUrlNotAllowed, {400, "URL is not allowed"}},
    Row{Code::kInvalidResetToken, {400, "Invalid or expired password reset token"}},
    Row{Code::kPayloadTooLarge, {413, "Request is too large"}},
    Row{Code::kUnsupportedMediaType, {415, "Content-Type must be application/json"}},
    Row{Code::kRequestTimeout, {408, "Request timed out"}},
    Row{Code::kMissingCredentials, {401, "No credentials were provided"}},
    Row{Code::kInvalidCredentials, {401, "Invalid email or password"}},
    Row{Code::kInvalidToken, {401, "Invalid token"}},
    Row{Code::kTokenExpired, {401, "Token has expired"}},
    Row{Code::kTokenRevoked, {401, "Token has been revoked"}},
    Row{Code::kInvalidRefreshToken, {401, "Invalid refresh token"}},
    Row{Code::kMalformedKey, {401, "Malformed API key"}},
    Row{Code::kInvalidKey, {401, "Invalid API key"}},
    Row{Code::kKeyExpired, {401, "API key has expired"}},
    Row{Code::kKeyRevoked, {401, "API key has been revoked"}},
    Row{Code::kKeyDisabled, {401, "API key is disabled"}},
    Row{Code::kWrongCredentialType, {401, "This route does not accept this kind of credential"}},
    Row{Code::kInsufficientScope, {403, "Credential lacks a required scope"}},
    Row{Code::kUserInactive, {403, "User is inactive"}},
    Row{Code::kRateLimited, {403, "Rate limit exceeded"}},     // nginx answers clients 429
    Row{Code::kUsageExceeded, {403, "Usage limit exceeded"}},  // nginx answers clients 429
    Row{Code::kNotFound, {404, "Not found"}},
    Row{Code::kMethodNotAllowed, {405, "Method not allowed"}},
    Row{Code::kEmailTaken, {409, "Email is already registered"}},
    Row{Code::kConflict, {409, "The resource's state does not allow this change"}},
    Row{Code::kWebhookLimit, {409, "Too many webhook endpoints"}},
    Row{Code::kDocsUnavailable, {404, "API documentation is not installed"}},  // the route sends how to install it
    Row{Code::kTooManyRequests, {429, "Too many requests"}},
    Row{Code::kOverloaded, {503, "Server is overloaded; retry shortly"}},
    Row{Code::kDatabaseUnavailable, {503, "Database is unavailable"}},
    Row{Code::kCacheUnavailable, {503, "Cache is unavailable"}},
    Row{Code::kInternal, {500, "Internal server error"}},
}};

constexpr bool inEnumOrder() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].code) != i) return false;
  }
  return true;
}
static_assert(inEnumOrder(), "kTable's rows must follow Code's order");

}  // namespace

const ErrorEntry& errorEntry(Code c) { return kTable[static_cast<size_t>(c)].entry; }

}  // namespace authd::http
