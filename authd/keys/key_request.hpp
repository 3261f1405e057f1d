// Validation of the POST /keys body. The HTTP layer parses the JSON; this
// turns it into a typed request or one kValidationFailed Error listing every
// problem at once (NestJS ValidationPipe style), so clients fix all in one go.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "keys/credits.hpp"

namespace authd::keys {

inline constexpr size_t kMaxNameLength = 100;  // in Unicode code points, after trimming
inline constexpr size_t kMaxScopes = 32;
inline constexpr size_t kMaxScopeLength = 64;
inline constexpr int64_t kMaxRateLimit = 1'000'000'000;
inline constexpr int64_t kMaxRateWindowSeconds = 86'400;
inline constexpr size_t kMaxMetadataBytes = 4096;             // serialized, as stored
inline constexpr int64_t kMaxGracePeriodSeconds = 2'592'000;  // 30 days
inline constexpr int64_t kDefaultGracePeriodSeconds = 86'400;

// Why a key is disabled.
// Who disabled a key: its owner (PATCH), whoever reported it leaked, or the operator (`authd admin keys disable`; only
// the operator enables it again).
enum class DisabledReason { kUser, kLeaked, kOperator };
std::string_view reasonName(DisabledReason r);  // "user" | "leaked" | "operator"
std::optional<DisabledReason> parseReason(std::string_view s);

struct RateLimit {
  int64_t limit;          // requests allowed per window
  int64_t windowSeconds;  // window length
};

struct CreateKeyRequest {
  std::string name;                     // trimmed
  std::optional<SysTime> expiresAt;     // nullopt = never expires
  std::vector<std::string> scopes;      // de-duplicated, in first-seen order
  std::optional<RateLimit> rateLimit;   // nullopt = the server default
  std::optional<std::string> metadata;  // a JSON object's text; nullopt = none
  std::optional<Credits> credits;       // nullopt = unlimited
};

// PATCH /keys/:id: each field is changed only when present (the outer optional); an inner
// nullopt clears it (no expiry, the server's default limit, no metadata).
struct KeyPatch {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::optional<RateLimit>> rateLimit;
  std::optional<std::optional<SysTime>> expiresAt;
  std::optional<bool> enabled;
  std::optional<std::optional<std::string>> metadata;
  std::optional<std::optional<Credits>> credits;  // a new grant; inner nullopt = unlimited
};

// Validates the JSON body of POST /keys; every problem found becomes one message of a kValidationFailed Error.
Result<CreateKeyRequest> parseCreateKeyRequest(const nlohmann::json& body, const Clock& clock);

// Validates the JSON body of PATCH /keys/:id: the same rules as create for each field present, at
// least one field, no unknown ones.
Result<KeyPatch> parseKeyPatch(const nlohmann::json& body, const Clock& clock);

// Validates the (optional) JSON body of POST /keys/:id/rotate: the grace period, default one day.
Result<std::chrono::seconds> parseRotateRequest(const nlohmann::json& body);

// True for a scope matching [a-z0-9:._-]{1,64}.
bool isValidScope(std::string_view s);

}  // namespace authd::keys
