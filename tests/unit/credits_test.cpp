#include "keys/credits.hpp"

#include <gtest/gtest.h>

#include "core/time_format.hpp"
#include "verify/usage_outcome.hpp"

namespace authd::keys {
namespace {

int64_t at(const char* iso) { return toUnixSeconds(*parseIso8601(iso)); }

TEST(CreditsTest, DayPeriodsStartAtUtcMidnight) {
  EXPECT_EQ(periodStart(RefillInterval::kDay, at("2026-12-02T18:30:00Z")), at("2026-12-02T00:00:00Z"));
  EXPECT_EQ(periodStart(RefillInterval::kDay, at("2026-12-02T00:00:00Z")), at("2026-12-02T00:00:00Z"));
  EXPECT_EQ(nextPeriodStart(RefillInterval::kDay, at("2026-12-02T23:59:59Z")), at("2026-12-03T00:00:00Z"));
}

TEST(CreditsTest, MonthPeriodsStartOnTheFirstAndRollOverTheYear) {
  EXPECT_EQ(periodStart(RefillInterval::kMonth, at("2026-12-31T23:59:59Z")), at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(nextPeriodStart(RefillInterval::kMonth, at("2026-12-15T10:00:00Z")), at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(nextPeriodStart(RefillInterval::kMonth, at("2028-02-29T10:00:00Z")), at("2028-03-01T00:00:00Z"));
  EXPECT_EQ(periodStart(RefillInterval::kMonth, at("2028-03-01T00:00:00Z")), at("2028-03-01T00:00:00Z"));
}

TEST(CreditsTest, RemainingIsTheRefillOnceALaterPeriodBegan) {
  const CreditRefill daily{500, RefillInterval::kDay};
  const int64_t today = at("2026-12-02T00:00:00Z");
  EXPECT_EQ(remainingAt(3, today, daily, at("2026-12-02T23:00:00Z")), 3);
  EXPECT_EQ(remainingAt(3, today, daily, at("2026-12-03T00:00:00Z")), 500);
  EXPECT_EQ(remainingAt(3, 0, std::nullopt, at("2030-01-01T00:00:00Z")), 3);
}

TEST(CreditsTest, IntervalNamesRoundTrip) {
  EXPECT_EQ(parseInterval(intervalName(RefillInterval::kDay)), RefillInterval::kDay);
  EXPECT_EQ(parseInterval(intervalName(RefillInterval::kMonth)), RefillInterval::kMonth);
  EXPECT_FALSE(parseInterval("week"));
  EXPECT_FALSE(parseInterval("Day"));
}

TEST(UsageOutcomeTest, EveryDenialHasItsOutcome) {
  using verify::Outcome;
  EXPECT_EQ(verify::outcomeOf(std::nullopt), Outcome::kValid);
  EXPECT_EQ(verify::outcomeOf(Code::kRateLimited), Outcome::kRateLimited);
  EXPECT_EQ(verify::outcomeOf(Code::kUsageExceeded), Outcome::kUsageExceeded);
  EXPECT_EQ(verify::outcomeOf(Code::kKeyDisabled), Outcome::kDisabled);
  EXPECT_EQ(verify::outcomeOf(Code::kKeyExpired), Outcome::kExpired);
  EXPECT_EQ(verify::outcomeOf(Code::kKeyRevoked), Outcome::kRevoked);
  EXPECT_EQ(verify::outcomeOf(Code::kInsufficientScope), Outcome::kOther);
  EXPECT_EQ(verify::outcomeName(Outcome::kUsageExceeded), "usage_exceeded");
}

}  // namespace
}  // namespace authd::keys
