#include "verify/rate_limiter.hpp"

#include <algorithm>

namespace authd::verify {

RateDecision RateLimiter::hit(std::string_view keyId, const keys::RateLimit& limit) {
  RateDecision d;
  if (limit.limit <= 0 || limit.windowSeconds <= 0) return d;
  const int64_t now = toUnixSeconds(clock_.now());
  const int64_t window = now / limit.windowSeconds;
  const int64_t windowEndsAt = (window + 1) * limit.windowSeconds;
  const std::string key = "authd:rl:" + std::string(keyId) + ":" + std::to_string(window);

  // Windows are aligned to the wall clock, so every instance counts into the same one; the
  // counter keeps each a second past its end, for instances whose clocks differ a little.
  int64_t count = -1;
  if (auto counted = counter_.increment(key, std::chrono::seconds(limit.windowSeconds + 1))) count = counted->count;
  if (count < 0) {
    d.shared = false;
    count = countLocally(key, windowEndsAt);
  }
  d.limit = limit.limit;
  d.remaining = std::max<int64_t>(0, limit.limit - count);
  d.resetSeconds = std::max<int64_t>(1, windowEndsAt - now);
  d.allowed = count <= limit.limit;
  return d;
}

int64_t RateLimiter::countLocally(const std::string& counterKey, int64_t windowEndsAt) {
  localDecisions_.fetch_add(1);
  std::lock_guard lock(mu_);
  const int64_t now = toUnixSeconds(clock_.now());
  if (local_.size() > 100'000) std::erase_if(local_, [now](const auto& kv) { return kv.second.second <= now; });
  auto& [count, ends] = local_[counterKey];
  ends = windowEndsAt;
  return ++count;
}

}  // namespace authd::verify
