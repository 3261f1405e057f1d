// /verify's decision: a request's credential → allowed (who) or denied (why).
// Memory only on the warm path: JWT checks, key filter and L1, user status,
// lastUsedAt coalescing; Redis (one round trip, verify::Admission) only for keys
// or users that have a rate limit and keys that have credits.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "verify/admission.hpp"
#include "verify/credentials.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/key_cache.hpp"
#include "verify/last_used.hpp"
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
  int64_t cost = 1;  // credits an allowed key spends (0..keys::kMaxCost)
};

// Where a key decision came from, for metrics.
struct Verdict {
  std::optional<Code> error;  // nullopt: allowed
  std::string_view authType;  // "jwt" | "apiKey" when allowed
  std::string userId;
  std::string keyId;
  std::string scopes;                       // the key's scopes, comma-joined
  RateDecision rate;                        // the tighter limit (or the one that refused)
  std::optional<int64_t> creditsRemaining;  // keys with credits, after this spend
  int64_t creditsRetryAfter = 0;            // usage_exceeded: seconds to the next refill (0: none)
  int64_t creditsSpent = 0;
  AdmissionResult admission = AdmissionResult::kNone;
  std::optional<KeyTier> keyTier;  // set when a key was looked up
};

// The server's default limits, each overridden per key (its rateLimit) or per user (users.rate_limit).
struct DefaultLimits {
  keys::RateLimit key{0, 60};   // API_KEY_RATE_LIMIT / API_KEY_RATE_WINDOW
  keys::RateLimit user{0, 60};  // USER_RATE_LIMIT / USER_RATE_WINDOW
};

class Verifier {
 public:
  Verifier(const JwtAuthenticator& jwt, KeyCache& keys, UserStatusCache& users, Admission& admission,
           LastUsedTracker& lastUsed, UsageRecorder& usage, const Clock& clock, DefaultLimits defaults)
      : jwt_(jwt),
        keys_(keys),
        users_(users),
        admission_(admission),
        lastUsed_(lastUsed),
        usage_(usage),
        clock_(clock),
        defaults_(defaults) {}

  // Decides one request. Never throws; store outages are kDatabaseUnavailable (fail closed).
  Verdict verify(const VerifyInput& in);

 private:
  Verdict verifyJwt(std::string_view token, std::string_view requiredScopes);
  Verdict verifyKey(std::string_view key, std::string_view requiredScopes, int64_t cost);
  // The verdict for a key that exists (every such verdict is counted as usage).
  Verdict decideKnownKey(const KeyInfo& info, std::string_view requiredScopes, int64_t cost, int64_t nowMs);
  // Denied, or the user's limit (nullopt: none) when the user may authenticate.
  std::optional<Code> checkUser(std::string_view userId, std::optional<keys::RateLimit>& userLimit);
  // Applies the admission's outcome to `v`: false when it refused.
  static bool admitted(const Admitted& a, Verdict& v);

  const JwtAuthenticator& jwt_;
  KeyCache& keys_;
  UserStatusCache& users_;
  Admission& admission_;
  LastUsedTracker& lastUsed_;
  UsageRecorder& usage_;
  const Clock& clock_;
  DefaultLimits defaults_;
};

// True when every comma-separated scope in `required` is in `granted`.
bool hasScopes(const std::vector<std::string>& granted, std::string_view required);

}  // namespace authd::verify
