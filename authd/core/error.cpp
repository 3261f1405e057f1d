#include "core/error.hpp"

#include <array>

namespace authd {
namespace {

// Indexed by Code; the static_assert below keeps it in step with the enum.
constexpr std::array kTable{
    CodeInfo{"invalid_json", 400, "Request body is not valid JSON"},
    CodeInfo{"validation_failed", 400, "Validation failed"},
    CodeInfo{"invalid_id", 400, "Id must be a UUID"},
    CodeInfo{"missing_credentials", 401, "No credentials were provided"},
    CodeInfo{"invalid_credentials", 401, "Invalid email or password"},
    CodeInfo{"invalid_token", 401, "Invalid token"},
    CodeInfo{"token_expired", 401, "Token has expired"},
    CodeInfo{"token_revoked", 401, "Token has been revoked"},
    CodeInfo{"invalid_refresh_token", 401, "Invalid refresh token"},
    CodeInfo{"malformed_key", 401, "Malformed API key"},
    CodeInfo{"invalid_key", 401, "Invalid API key"},
    CodeInfo{"key_expired", 401, "API key has expired"},
    CodeInfo{"key_revoked", 401, "API key has been revoked"},
    CodeInfo{"wrong_credential_type", 401, "This route does not accept this kind of credential"},
    CodeInfo{"insufficient_scope", 403, "Credential lacks a required scope"},
    CodeInfo{"user_inactive", 403, "User is inactive"},
    CodeInfo{"rate_limited", 403, "Rate limit exceeded"},
    CodeInfo{"not_found", 404, "Not found"},
    CodeInfo{"method_not_allowed", 405, "Method not allowed"},
    CodeInfo{"email_taken", 409, "Email is already registered"},
    CodeInfo{"payload_too_large", 413, "Request is too large"},
    CodeInfo{"unsupported_media_type", 415, "Content-Type must be application/json"},
    CodeInfo{"too_many_requests", 429, "Too many requests"},
    CodeInfo{"overloaded", 503, "Server is overloaded; retry shortly"},
    CodeInfo{"database_unavailable", 503, "Database is unavailable"},
    CodeInfo{"cache_unavailable", 503, "Cache is unavailable"},
    CodeInfo{"internal_error", 500, "Internal server error"},
};
static_assert(kTable.size() == static_cast<size_t>(Code::kInternal) + 1);

}  // namespace

const CodeInfo& info(Code c) { return kTable[static_cast<size_t>(c)]; }

}  // namespace authd
