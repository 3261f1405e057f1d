// Per-key fixed-window rate limits shared by every authd instance through a
// WindowedCounter (Redis: one pipelined round trip, only for keys that have a
// limit). While the counter is unreachable each instance counts on its own, so
// a key gets at most its limit per instance: limits degrade, they do not vanish.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/clock.hpp"
#include "core/windowed_counter.hpp"
#include "keys/key_request.hpp"

namespace authd::verify {

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;  // 0: unlimited (no headers)
  int64_t remaining = 0;
  int64_t resetSeconds = 0;  // until the window ends
  bool shared = true;        // false: counted locally (the shared counter unavailable)
};

class RateLimiter {
 public:
  RateLimiter(WindowedCounter& counter, const Clock& clock) : counter_(counter), clock_(clock) {}
  // Counts one request for the key against `limit` (limit 0 = unlimited: no I/O).
  RateDecision hit(std::string_view keyId, const keys::RateLimit& limit);
  // Requests decided by local counting because the shared counter was unavailable.
  uint64_t localDecisions() const { return localDecisions_; }

 private:
  int64_t countLocally(const std::string& counterKey, int64_t windowEndsAt);

  WindowedCounter& counter_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> local_;  // counter key → (count, window end)
  std::atomic<uint64_t> localDecisions_{0};
};

}  // namespace authd::verify
