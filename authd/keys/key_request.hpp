// Validation of the POST /keys body. The HTTP layer parses the JSON; this
// turns it into a typed request or one kValidationFailed Error listing every
// problem at once (NestJS ValidationPipe style), so clients fix all in one go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace authd::keys {

inline constexpr size_t kMaxNameLength = 100;  // in Unicode code points, after trimming
inline constexpr size_t kMaxScopes = 32;
inline constexpr size_t kMaxScopeLength = 64;
inline constexpr int64_t kMaxRateLimit = 1'000'000'000;
inline constexpr int64_t kMaxRateWindowSeconds = 86'400;

struct RateLimit {
  int64_t limit;          // requests allowed per window
  int64_t windowSeconds;  // window length
};

struct CreateKeyRequest {
  std::string name;                    // trimmed
  std::optional<SysTime> expiresAt;    // nullopt = never expires
  std::vector<std::string> scopes;     // de-duplicated, in first-seen order
  std::optional<RateLimit> rateLimit;  // nullopt = the server default
};

// Validates the JSON body of POST /keys; every problem found becomes one message of a kValidationFailed Error.
Result<CreateKeyRequest> parseCreateKeyRequest(const nlohmann::json& body, const Clock& clock);

// True for a scope matching [a-z0-9:._-]{1,64}.
bool isValidScope(std::string_view s);

}  // namespace authd::keys
