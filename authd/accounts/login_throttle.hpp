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
#include "core/windowed_counter.hpp"

namespace authd::accounts {

struct ThrottleLimits {
  int maxFailuresPerEmail = 5;
  int maxFailuresPerAddress = 50;
  std::chrono::seconds window{900};
};

class LoginThrottle {
 public:
  LoginThrottle(WindowedCounter& counter, ThrottleLimits limits) : counter_(counter), limits_(limits) {}
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

  WindowedCounter& counter_;
  ThrottleLimits limits_;
};

}  // namespace authd::accounts
