#include "verify/sliding_window.hpp"

#include <algorithm>
#include <cmath>

namespace authd::verify {
namespace {

int64_t ceilSeconds(int64_t ms) { return std::max<int64_t>(1, (ms + 999) / 1000); }

// How far into the window (ms) `previous` must have slid out for `room` more requests to fit beside it.
double slideNeeded(int64_t previous, double room, double windowMs) {
  if (previous <= 0 || room >= static_cast<double>(previous)) return 0;
  return windowMs * (1.0 - room / static_cast<double>(previous));
}

}  // namespace

int64_t windowIndex(int64_t nowMs, int64_t windowSeconds) { return nowMs / (windowSeconds * 1000); }

double slidingEstimate(WindowCounts counts, int64_t nowMs, int64_t windowSeconds) {
  const int64_t w = windowSeconds * 1000;
  const int64_t elapsed = nowMs % w;
  // The same operations in the same order as the Lua script, so both round alike.
  return static_cast<double>(counts.previous) * static_cast<double>(w - elapsed) / static_cast<double>(w) +
         static_cast<double>(counts.current);
}

bool slidingAllows(WindowCounts counts, const keys::RateLimit& limit, int64_t nowMs) {
  return slidingEstimate(counts, nowMs, limit.windowSeconds) + 1 <= static_cast<double>(limit.limit);
}

int64_t slidingWaitMs(WindowCounts counts, const keys::RateLimit& limit, int64_t nowMs) {
  if (slidingAllows(counts, limit, nowMs)) return 0;
  const int64_t w = limit.windowSeconds * 1000;
  const int64_t elapsed = nowMs % w;
  const double room = static_cast<double>(limit.limit - counts.current - 1);
  if (room >= 0) {
    // Within this window, once enough of the previous one has slid out (+1 ms against rounding).
    const double at = slideNeeded(counts.previous, room, static_cast<double>(w));
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(at)) - elapsed + 1);
  }
  // This window is full: in the next one, it is the previous window that slides out.
  const double at = slideNeeded(counts.current, static_cast<double>(limit.limit - 1), static_cast<double>(w));
  return (w - elapsed) + static_cast<int64_t>(std::ceil(at)) + 1;
}

RateDecision describe(const keys::RateLimit& limit, WindowCounts before, bool admitted, int64_t nowMs) {
  RateDecision d;
  d.allowed = admitted;
  d.limit = limit.limit;
  const int64_t w = limit.windowSeconds * 1000;
  d.resetSeconds = ceilSeconds(w - nowMs % w);
  const double after = slidingEstimate(before, nowMs, limit.windowSeconds) + (admitted ? 1 : 0);
  d.remaining =
      std::clamp<int64_t>(static_cast<int64_t>(std::floor(static_cast<double>(limit.limit) - after)), 0, limit.limit);
  if (!admitted) d.retryAfterSeconds = ceilSeconds(slidingWaitMs(before, limit, nowMs));
  return d;
}

}  // namespace authd::verify
