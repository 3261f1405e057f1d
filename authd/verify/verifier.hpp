// /verify's decision: a request's credential → allowed (who) or denied (why).
// Memory only on the warm path: JWT checks, key filter and L1, user status,
// lastUsedAt coalescing; Redis only for keys that have a rate limit.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "verify/credentials.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/key_cache.hpp"
#include "verify/last_used.hpp"
#include "verify/rate_limiter.hpp"
#include "verify/usage_outcome.hpp"
#include "verify/user_status.hpp"

namespace authd::verify {

// "jwt" | "apikey" | "any"; nullopt otherwise.
std::optional<Mode> parseMode(std::string_view text);

struct VerifyInput {
  Mode mode = Mode::kAny;
  std::string_view requiredScopes;  // comma-separated; empty = none
  const std::optional<std::string>* authorization = nullptr;
  const std::optional<std::string>* apiKey = nullptr;
};

// Where a key decision came from, for metrics.
struct Verdict {
  std::optional<Code> error;  // nullopt: allowed
  std::string_view authType;  // "jwt" | "apiKey" when allowed
  std::string userId;
  std::string keyId;
  std::string scopes;  // the key's scopes, comma-joined
  RateDecision rate;
  std::optional<KeyTier> keyTier;  // set when a key was looked up
};

class Verifier {
 public:
  Verifier(const JwtAuthenticator& jwt, KeyCache& keys, UserStatusCache& users, RateLimiter& limiter,
           LastUsedTracker& lastUsed, UsageRecorder& usage, const Clock& clock, keys::RateLimit serverDefault)
      : jwt_(jwt),
        keys_(keys),
        users_(users),
        limiter_(limiter),
        lastUsed_(lastUsed),
        usage_(usage),
        clock_(clock),
        serverDefault_(serverDefault) {}

  // Decides one request. Never throws; store outages are kDatabaseUnavailable (fail closed).
  Verdict verify(const VerifyInput& in);

 private:
  Verdict verifyJwt(std::string_view token, std::string_view requiredScopes);
  Verdict verifyKey(std::string_view key, std::string_view requiredScopes);
  // The verdict for a key that exists (every such verdict is counted as usage).
  Verdict decideKnownKey(const KeyInfo& info, std::string_view requiredScopes, int64_t nowMs);
  std::optional<Code> checkUser(std::string_view userId);

  const JwtAuthenticator& jwt_;
  KeyCache& keys_;
  UserStatusCache& users_;
  RateLimiter& limiter_;
  LastUsedTracker& lastUsed_;
  UsageRecorder& usage_;
  const Clock& clock_;
  keys::RateLimit serverDefault_;
};

// True when every comma-separated scope in `required` is in `granted`.
bool hasScopes(const std::vector<std::string>& granted, std::string_view required);

}  // namespace authd::verify
