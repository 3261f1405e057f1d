#include "accounts/login_throttle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/crypto.hpp"

namespace authd::accounts {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

// Emails are hashed so the counter store never holds addresses of people.
std::string LoginThrottle::emailKey(std::string_view email) {
  return "authd:login:email:" + crypto::sha256Hex(lower(email)).substr(0, 32);
}

std::string LoginThrottle::addressKey(std::string_view address) { return "authd:login:ip:" + std::string(address); }

Status LoginThrottle::check(std::string_view email, std::string_view address) {
  int64_t retryAfter = 0;
  const auto over = [&](const std::string& key, int limit) {
    auto c = counter_.get(key);
    if (!c) {
      spdlog::warn("login throttle: counters unavailable ({}); not throttling", codeName(c.error().code));
      return;
    }
    if (c->count >= limit) retryAfter = std::max(retryAfter, std::max<int64_t>(1, c->resetsInSeconds));
  };
  over(emailKey(email), limits_.maxFailuresPerEmail);
  if (!address.empty()) over(addressKey(address), limits_.maxFailuresPerAddress);
  if (retryAfter == 0) return {};
  Error e(Code::kTooManyRequests, "Too many failed login attempts; try again later");
  e.retryAfterSeconds = static_cast<int>(retryAfter);
  return fail(std::move(e));
}

void LoginThrottle::recordFailure(std::string_view email, std::string_view address) {
  (void)counter_.increment(emailKey(email), limits_.window);
  if (!address.empty()) (void)counter_.increment(addressKey(address), limits_.window);
}

void LoginThrottle::recordSuccess(std::string_view email) { (void)counter_.reset(emailKey(email)); }

}  // namespace authd::accounts
