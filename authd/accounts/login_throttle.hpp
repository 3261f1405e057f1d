// Failed-login throttling per email and per client address: after N failures
// in a window, login answers 429 with Retry-After until the window ends. A
// success clears the email's counter (not the address's).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace authd::accounts {

// A count within a window, and the seconds until the window resets.
struct WindowCount {
  int64_t count = 0;
  int64_t resetsInSeconds = 0;
};

// Shared counters (Redis in production, a map in tests).
class AttemptCounter {
 public:
  virtual ~AttemptCounter() = default;
  // The current count for `key` (0 when absent).
  virtual Result<WindowCount> get(std::string_view key) = 0;
  // Adds one, starting a `window`-long window on the first hit.
  virtual Result<WindowCount> increment(std::string_view key, std::chrono::seconds window) = 0;
  // Forgets `key`.
  virtual Status reset(std::string_view key) = 0;
};

struct ThrottleLimits {
  int maxFailuresPerEmail = 5;
  int maxFailuresPerAddress = 50;
  std::chrono::seconds window{900};
};

class LoginThrottle {
 public:
  LoginThrottle(AttemptCounter& counter, ThrottleLimits limits) : counter_(counter), limits_(limits) {}
  // kTooManyRequests (with retryAfterSeconds) when the email or the address is over its limit.
  // When the counters are unreachable, logins are not throttled (logged): availability over throttling.
  Status check(std::string_view email, std::string_view address);
  // Counts a failed attempt against both the email and the address.
  void recordFailure(std::string_view email, std::string_view address);
  // Clears the email's failures after a successful login.
  void recordSuccess(std::string_view email);

 private:
  static std::string emailKey(std::string_view email);
  static std::string addressKey(std::string_view address);

  AttemptCounter& counter_;
  ThrottleLimits limits_;
};

}  // namespace authd::accounts
