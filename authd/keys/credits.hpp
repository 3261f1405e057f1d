// Credits: a key's allowance of verifications. Each valid verification spends
// its cost; at zero the key answers usage_exceeded until a refill (at a UTC
// day or month boundary, when the key has one) or a new grant (PATCH).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace authd::keys {

inline constexpr int64_t kMaxCredits = 1'000'000'000'000;  // remaining and refill amount
inline constexpr int64_t kMaxCost = 1000;                  // /verify?cost=

enum class RefillInterval { kDay, kMonth };
std::string_view intervalName(RefillInterval i);  // "day" | "month"
std::optional<RefillInterval> parseInterval(std::string_view s);

struct CreditRefill {
  int64_t amount = 0;  // remaining is set to this at each boundary
  RefillInterval interval = RefillInterval::kDay;
};

// As granted on create and PATCH: `{remaining, refill?}`.
struct Credits {
  int64_t remaining = 0;
  std::optional<CreditRefill> refill;
};

// The start (unix seconds, UTC) of the refill period holding `unixSeconds`: its day's or month's first second.
int64_t periodStart(RefillInterval interval, int64_t unixSeconds);
// The start of the period after the one holding `unixSeconds`.
int64_t nextPeriodStart(RefillInterval interval, int64_t unixSeconds);

// What remains at `nowSeconds` of `remaining`, recorded for the period starting at `period`: the refill
// amount once a later period has begun, else `remaining`.
int64_t remainingAt(int64_t remaining, int64_t period, const std::optional<CreditRefill>& refill, int64_t nowSeconds);

}  // namespace authd::keys
