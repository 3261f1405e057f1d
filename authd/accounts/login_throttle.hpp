// Login throttling per email and per client address: every attempt is counted
// before its password is checked, atomically, so concurrent guesses cannot
// overrun the limit; past N attempts in a window, login answers 429 with
// Retry-After until the window ends. A success clears the email's count and
// takes its attempt back from the address's (a success is not a failure).
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
  // Adds one and returns the new count (atomic), starting a `window`-long window on the first hit.
  virtual Result<WindowCount> increment(std::string_view key, std::chrono::seconds window) = 0;
  // Takes one back: never below zero, never creating a key, never moving the window.
  virtual Status decrement(std::string_view key) = 0;
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
  // Counts one attempt for `email` (already normalised: accounts::normalizeEmail) and `address`;
  // kTooManyRequests (with retryAfterSeconds) when that attempt is past either limit. When the
  // counters are unreachable, logins are not throttled (logged): availability over throttling.
  Status admit(std::string_view email, std::string_view address);
  // The admitted attempt logged in: the email's count is cleared and the address's attempt given back.
  void succeeded(std::string_view email, std::string_view address);
  // The admitted attempt was never decided (a store outage): both attempts are given back.
  void abandoned(std::string_view email, std::string_view address);

 private:
  static std::string emailKey(std::string_view email);
  static std::string addressKey(std::string_view address);

  AttemptCounter& counter_;
  ThrottleLimits limits_;
};

}  // namespace authd::accounts
