#include "core/error.hpp"

#include <array>

namespace authd {
namespace {

struct Named {
  Code code;
  std::string_view name;
};

// Indexed by Code; each row names its code so that the static_assert below
// catches a missing or shifted row.
constexpr std::array<Named, kCodeCount> kNames{{
    Named{Code::kInvalidJson, "invalid_json"},
    Named{Code::kValidationFailed, "validation_failed"},
    Named{Code::kInvalidId, "invalid_id"},
    Named{Code::kInvalidMode, "invalid_mode"},
    Named{Code::kInvalidCost, "invalid_cost"},
    Named{Code::kUrlNotAllowed, "url_not_allowed"},
    Named{Code::kInvalidResetToken, "invalid_reset_token"},
    Named{Code::kPayloadTooLarge, "payload_too_large"},
    Named{Code::kUnsupportedMediaType, "unsupported_media_type"},
    Named{Code::kRequestTimeout, "request_timeout"},
    Named{Code::kMissingCredentials, "missing_credentials"},
    Named{Code::kInvalidCredentials, "invalid_credentials"},
    Named{Code::kInvalidToken, "invalid_token"},
    Named{Code::kTokenExpired, "token_expired"},
    Named{Code::kTokenRevoked, "token_revoked"},
    Named{Code::kInvalidRefreshToken, "invalid_refresh_token"},
    Named{Code::kMalformedKey, "malformed_key"},
    Named{Code::kInvalidKey, "invalid_key"},
    Named{Code::kKeyExpired, "key_expired"},
    Named{Code::kKeyRevoked, "key_revoked"},
    Named{Code::kKeyDisabled, "key_disabled"},
    Named{Code::kWrongCredentialType, "wrong_credential_type"},
    Named{Code::kInsufficientScope, "insufficient_scope"},
    Named{Code::kUserInactive, "user_inactive"},
    Named{Code::kRateLimited, "rate_limited"},
    Named{Code::kUsageExceeded, "usage_exceeded"},
    Named{Code::kNotFound, "not_found"},
    Named{Code::kMethodNotAllowed, "method_not_allowed"},
    Named{Code::kEmailTaken, "email_taken"},
    Named{Code::kConflict, "conflict"},
    Named{Code::kWebhookLimit, "webhook_limit"},
    Named{Code::kDocsUnavailable, "docs_unavailable"},
    Named{Code::kTooManyRequests, "too_many_requests"},
    Named{Code::kOverloaded, "overloaded"},
    Named{Code::kDatabaseUnavailable, "database_unavailable"},
    Named{Code::kCacheUnavailable, "cache_unavailable"},
    Named{Code::kInternal, "internal_error"},
}};

constexpr bool inEnumOrder() {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (static_cast<size_t>(kNames[i].code) != i) return false;
  }
  return true;
}
static_assert(inEnumOrder(), "kNames' rows must follow Code's order");

}  // namespace

std::string_view codeName(Code c) { return kNames[static_cast<size_t>(c)].name; }

}  // namespace authd
