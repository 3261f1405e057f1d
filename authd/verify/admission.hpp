// Admission: after a credential is found good, whether this request may pass its
// key's and its user's rate limits and spend its key's credits. Everything is
// decided by one AdmissionStore call (Redis: one script, one round trip), which
// counts and spends only when every limit and the credits allow the request.
// Requests with no limit and no credits never reach the store. While the store is
// unreachable limits are counted per instance (they degrade, they do not vanish)
// and keys with credits fail closed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "keys/credits.hpp"
#include "keys/key_request.hpp"
#include "verify/sliding_window.hpp"

namespace authd::verify {

// Whose limit: a key's (scope 'k') or a user's ('u').
struct LimitQuery {
  char scope = 'k';
  std::string_view id;
  keys::RateLimit limit{0, 60};
};

// A key's credits: what to seed the store with when it has no copy of this grant, and what to spend.
struct CreditsQuery {
  std::string_view keyId;
  int64_t cost = 1;
  int64_t seedRemaining = 0;  // KeyInfo credits.remaining
  int64_t seedVersion = 0;    // KeyInfo creditsVersion
  int64_t seedPeriod = 0;     // KeyInfo creditsPeriod
  int64_t refillAmount = 0;   // 0: no refill
  int64_t periodNow = 0;      // keys::periodStart(interval, now) with a refill, else 0
};

struct AdmissionQuery {
  int64_t nowMs = 0;
  std::optional<LimitQuery> key;
  std::optional<LimitQuery> user;
  std::optional<CreditsQuery> credits;
};

struct LimitAnswer {
  WindowCounts before;  // the two windows' counts before this request
  bool allowed = true;
};

struct AdmissionAnswer {
  LimitAnswer key;
  LimitAnswer user;
  bool creditsAllowed = true;
  int64_t creditsRemaining = 0;  // after this spend when admitted, else as found
  // Admitted (counted and spent) only when every part allowed it.
  bool admitted() const { return key.allowed && user.allowed && creditsAllowed; }
};

// Where limits and credits are counted for every instance (Redis in production).
class AdmissionStore {
 public:
  virtual ~AdmissionStore() = default;
  // Checks every part of `q`; only if all allow, counts each limit and spends the cost, atomically.
  virtual Result<AdmissionAnswer> admit(const AdmissionQuery& q) = 0;
};

enum class AdmissionResult {
  kNone,           // no limit and no credits: nothing asked
  kAllowed,        // counted (and spent)
  kKeyLimited,     // the key's limit refused
  kUserLimited,    // the user's limit refused
  kUsageExceeded,  // not enough credits
  kUnavailable,    // the store unreachable and the key has credits (fail closed)
};

struct AdmissionRequest {
  std::string_view keyId;  // empty: a JWT
  std::string_view userId;
  std::optional<keys::RateLimit> keyLimit;                // nullopt or limit 0: none
  std::optional<keys::RateLimit> userLimit;               // nullopt or limit 0: none
  const std::optional<keys::Credits>* credits = nullptr;  // the key's; null or nullopt: unlimited
  int64_t creditsVersion = 0;
  int64_t creditsPeriod = 0;
  int64_t cost = 1;
  int64_t nowMs = 0;
};

struct Admitted {
  AdmissionResult result = AdmissionResult::kNone;
  RateDecision rate;                        // the tighter limit (or the refusing one)
  std::optional<int64_t> creditsRemaining;  // keys with credits, when the store answered
  int64_t creditsRetryAfter = 0;            // usage exceeded: seconds to the next refill (0: none)
  int64_t creditsSpent = 0;
  bool passed() const { return result == AdmissionResult::kNone || result == AdmissionResult::kAllowed; }
};

class Admission {
 public:
  explicit Admission(AdmissionStore& store) : store_(store) {}
  // Decides one request; never throws.
  Admitted admit(const AdmissionRequest& r);
  // Requests whose limits were counted locally because the store was unavailable.
  uint64_t localDecisions() const { return localDecisions_; }

 private:
  struct LocalWindow {
    int64_t index = 0;
    WindowCounts counts;
  };
  // The same check-then-count as the store, on this instance's own counters.
  AdmissionAnswer countLocally(const AdmissionQuery& q);
  WindowCounts& localCounts(const LimitQuery& l, int64_t nowMs);

  AdmissionStore& store_;
  std::mutex mu_;
  std::unordered_map<std::string, LocalWindow> local_;
  std::atomic<uint64_t> localDecisions_{0};
};

}  // namespace authd::verify
