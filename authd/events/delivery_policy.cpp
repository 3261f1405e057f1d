#include "events/delivery_policy.hpp"

#include <algorithm>
#include <cmath>

namespace authd::events {

std::chrono::milliseconds baseBackoff(const BackoffPolicy& p, int attempts) {
  auto delay = p.first;
  // Doubling stops at the cap (and long before an overflow).
  for (int i = 1; i < attempts && delay < p.cap; ++i) delay *= 2;
  return std::min(delay, p.cap);
}

std::chrono::milliseconds backoff(const BackoffPolicy& p, int attempts, double unit) {
  const double base = static_cast<double>(baseBackoff(p, attempts).count());
  const double factor = 1.0 + p.jitter * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(base * factor)));
}

std::optional<std::chrono::milliseconds> nextRetry(const BackoffPolicy& p, int attempts, double unit, SysTime eventAt,
                                                   SysTime now, std::chrono::seconds retryFor) {
  const SysTime deadline = eventAt + retryFor;
  if (now >= deadline) return std::nullopt;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
  return std::min(backoff(p, attempts, unit), left);
}

}  // namespace authd::events
