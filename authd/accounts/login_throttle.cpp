#include "accounts/login_throttle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/crypto.hpp"

namespace authd::accounts {

// Emails are hashed so the counter store never holds addresses of people.
std::string LoginThrottle::emailKey(std::string_view email) {
  return "authd:login:email:" + crypto::sha256Hex(email).substr(0, 32);
}

std::string LoginThrottle::addressKey(std::string_view address) { return "authd:login:ip:" + std::string(address); }

Status LoginThrottle::admit(std::string_view email, std::string_view address) {
  int64_t retryAfter = 0;
  const auto count = [&](const std::string& key, int limit) {
    auto c = counter_.increment(key, limits_.window);
    if (!c) {
      spdlog::warn("login throttle: counters unavailable ({}); not throttling", codeName(c.error().code));
      return;
    }
    if (c->count > limit) retryAfter = std::max(retryAfter, std::max<int64_t>(1, c->resetsInSeconds));
  };
  count(emailKey(email), limits_.maxFailuresPerEmail);
  if (!address.empty()) count(addressKey(address), limits_.maxFailuresPerAddress);
  if (retryAfter == 0) return {};
  Error e(Code::kTooManyRequests, "Too many failed login attempts; try again later");
  e.retryAfterSeconds = static_cast<int>(retryAfter);
  return fail(std::move(e));
}

void LoginThrottle::succeeded(std::string_view email, std::string_view address) {
  (void)counter_.reset(emailKey(email));
  if (!address.empty()) (void)counter_.decrement(addressKey(address));
}

void LoginThrottle::abandoned(std::string_view email, std::string_view address) {
  (void)counter_.decrement(emailKey(email));
  if (!address.empty()) (void)counter_.decrement(addressKey(address));
}

}  // namespace authd::accounts
