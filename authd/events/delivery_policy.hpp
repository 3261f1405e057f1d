// When a failed webhook attempt is tried again: exponential backoff from
// `first` (5 s), doubling per attempt, capped at `cap` (8 h), each delay moved
// by up to ±20 % of jitter so that endpoints that fail together do not get
// their retries together; and never past the event's retry deadline (its time
// plus WEBHOOK_RETRY_FOR), after which the delivery is failed.
#pragma once

#include <chrono>
#include <optional>

#include "core/clock.hpp"

namespace authd::events {

struct BackoffPolicy {
  std::chrono::milliseconds first{5000};                 // after the first failed attempt
  std::chrono::milliseconds cap{std::chrono::hours(8)};  // the longest delay before jitter
  double jitter = 0.2;                                   // ± this fraction of the delay
};

// The delay after `attempts` failed attempts (1: the first) before jitter: first * 2^(attempts-1), at most cap.
std::chrono::milliseconds baseBackoff(const BackoffPolicy& p, int attempts);
// The same with jitter; `unit` is uniform in [0, 1): 0 gives -jitter, 0.5 none, towards 1 +jitter.
std::chrono::milliseconds backoff(const BackoffPolicy& p, int attempts, double unit);

// After a failed attempt at `now`: the delay before the next one, or nullopt when the event (written at `eventAt`)
// is `retryFor` old or older and the delivery is failed. The last delay is cut so that the last attempt falls on
// the deadline rather than after it.
std::optional<std::chrono::milliseconds> nextRetry(const BackoffPolicy& p, int attempts, double unit, SysTime eventAt,
                                                   SysTime now, std::chrono::seconds retryFor);

}  // namespace authd::events
