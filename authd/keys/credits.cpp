#include "keys/credits.hpp"

#include <chrono>

namespace authd::keys {

std::string_view intervalName(RefillInterval i) { return i == RefillInterval::kDay ? "day" : "month"; }

std::optional<RefillInterval> parseInterval(std::string_view s) {
  if (s == "day") return RefillInterval::kDay;
  if (s == "month") return RefillInterval::kMonth;
  return std::nullopt;
}

namespace {

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t unixOf(std::chrono::year_month_day ymd) {
  return std::chrono::sys_seconds{std::chrono::sys_days{ymd}}.time_since_epoch().count();
}

std::chrono::year_month_day dayOf(int64_t unixSeconds) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{floorDiv(unixSeconds, 86'400)}}};
}

}  // namespace

int64_t periodStart(RefillInterval interval, int64_t unixSeconds) {
  if (interval == RefillInterval::kDay) return floorDiv(unixSeconds, 86'400) * 86'400;
  const auto d = dayOf(unixSeconds);
  return unixOf(d.year() / d.month() / std::chrono::day{1});
}

int64_t nextPeriodStart(RefillInterval interval, int64_t unixSeconds) {
  if (interval == RefillInterval::kDay) return periodStart(interval, unixSeconds) + 86'400;
  const auto d = dayOf(unixSeconds);
  const auto first = d.year() / d.month() / std::chrono::day{1};
  return unixOf(std::chrono::year_month_day{first + std::chrono::months{1}});
}

int64_t remainingAt(int64_t remaining, int64_t period, const std::optional<CreditRefill>& refill, int64_t nowSeconds) {
  if (!refill) return remaining;
  return periodStart(refill->interval, nowSeconds) > period ? refill->amount : remaining;
}

}  // namespace authd::keys
