// The sliding-window counter: a limit over the last `window` seconds, estimated
// from two fixed windows aligned to the wall clock (the previous one's count
// weighted by how much of it is still inside the sliding window, plus the
// current one's). Unlike a fixed window it admits no burst of twice the limit at
// a window edge. The Redis script (store/redis/redis_admission.cpp) decides with
// the same arithmetic; this is what the local fallback and the headers use.
#pragma once

#include <cstdint>

#include "keys/key_request.hpp"

namespace authd::verify {

// What the RateLimit headers say about the limit that answered.
struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;  // 0: unlimited (no headers)
  int64_t remaining = 0;
  int64_t resetSeconds = 0;       // until the current fixed window ends
  int64_t retryAfterSeconds = 0;  // denied: until one more request would be admitted
  bool shared = true;             // false: counted locally (the shared store unavailable)
};

// Counts of the two fixed windows, before the request being decided.
struct WindowCounts {
  int64_t previous = 0;
  int64_t current = 0;
};

// The fixed window holding `nowMs`: floor(nowMs / (windowSeconds*1000)).
int64_t windowIndex(int64_t nowMs, int64_t windowSeconds);
// The requests counted in the sliding window ending at `nowMs`.
double slidingEstimate(WindowCounts counts, int64_t nowMs, int64_t windowSeconds);
// True when one more request fits: estimate + 1 ≤ limit.
bool slidingAllows(WindowCounts counts, const keys::RateLimit& limit, int64_t nowMs);
// Milliseconds from `nowMs` until one more request would be admitted (0: now), counting nothing meanwhile.
int64_t slidingWaitMs(WindowCounts counts, const keys::RateLimit& limit, int64_t nowMs);
// The headers' numbers for a decision on `before` (admitted: this request counted on top).
RateDecision describe(const keys::RateLimit& limit, WindowCounts before, bool admitted, int64_t nowMs);

}  // namespace authd::verify
