// The usage query (from, to, granularity): its defaults against a fake clock,
// the UTC alignment (from floored, to ceiled), every 400, the 1500-bucket bound
// at exactly 1500 and 1501, and the zero-fill of sparse rows.
#include "keys/usage_query.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/time_format.hpp"

namespace authd::keys {
namespace {

// The instant an ISO-8601 text names (the test fails on a typo).
SysTime at(std::string_view iso) {
  const auto t = parseIso8601(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(SysTime{});
}
int64_t unixOf(std::string_view iso) { return toUnixSeconds(at(iso)); }

const SysTime kNow = at("2026-03-10T12:34:56.789Z");

Result<UsageRange> parse(std::optional<std::string_view> from, std::optional<std::string_view> to,
                         std::optional<std::string_view> granularity = std::nullopt, SysTime now = kNow) {
  return parseUsageQuery({from, to, granularity}, now);
}

// The range, or a failed test and a zero range.
UsageRange ok(const Result<UsageRange>& r) {
  EXPECT_TRUE(r.has_value()) << (r ? "" : (r.error().details.empty() ? r.error().message : r.error().details[0]));
  return r.value_or(UsageRange{});
}

// A 400 validation_failed whose messages include each of `words` (each in some message).
void expectInvalid(const Result<UsageRange>& r, const std::vector<std::string>& words) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  ASSERT_FALSE(r.error().details.empty());
  for (const auto& w : words) {
    bool found = false;
    for (const auto& d : r.error().details) found = found || d.find(w) != std::string::npos;
    EXPECT_TRUE(found) << "no message names '" << w << "': " << r.error().details[0];
  }
}

// No parameters: the last 24 h by hour, to = now ceiled to the hour and from = now - 24 h floored, so the 25 buckets
// cover every instant of the 24 h (the current, partial hour included).
TEST(UsageQuery, DefaultsAreTheLast24HoursByHour) {
  const UsageRange r = ok(parse(std::nullopt, std::nullopt));
  EXPECT_EQ(r.granularity, Granularity::kHour);
  EXPECT_EQ(r.to, unixOf("2026-03-10T13:00:00Z"));
  EXPECT_EQ(r.from, unixOf("2026-03-09T12:00:00Z"));
  EXPECT_EQ(r.buckets(), 25);
}

// The defaults follow the clock: a day later, the range is a day later.
TEST(UsageQuery, DefaultsFollowTheClock) {
  FakeClock clock(kNow);
  clock.advance(std::chrono::hours(24));
  const UsageRange r = ok(parse(std::nullopt, std::nullopt, std::nullopt, clock.now()));
  EXPECT_EQ(r.to, unixOf("2026-03-11T13:00:00Z"));
  EXPECT_EQ(r.from, unixOf("2026-03-10T12:00:00Z"));
}

// Only `to`: from is 24 h before it. Only `from`: to is now. Each aligned to the granularity asked for.
TEST(UsageQuery, OneBoundDefaultsTheOther) {
  const UsageRange onlyTo = ok(parse(std::nullopt, "2026-01-02T00:00:00Z", "day"));
  EXPECT_EQ(onlyTo.from, unixOf("2026-01-01T00:00:00Z"));
  EXPECT_EQ(onlyTo.to, unixOf("2026-01-02T00:00:00Z"));
  EXPECT_EQ(onlyTo.buckets(), 1);
  const UsageRange onlyFrom = ok(parse("2026-03-10T12:00:30Z", std::nullopt, "minute"));
  EXPECT_EQ(onlyFrom.from, unixOf("2026-03-10T12:00:00Z"));
  EXPECT_EQ(onlyFrom.to, unixOf("2026-03-10T12:35:00Z"));
  EXPECT_EQ(onlyFrom.granularity, Granularity::kMinute);
}

// from is floored and to ceiled to UTC minute, hour and day starts; bounds already on a start stay; offsets are
// converted to UTC before aligning.
TEST(UsageQuery, AlignsToUtcBucketStarts) {
  const UsageRange m = ok(parse("2026-03-10T12:34:56.789Z", "2026-03-10T12:40:00.001Z", "minute"));
  EXPECT_EQ(m.from, unixOf("2026-03-10T12:34:00Z"));
  EXPECT_EQ(m.to, unixOf("2026-03-10T12:41:00Z"));
  EXPECT_EQ(m.buckets(), 7);

  const UsageRange h = ok(parse("2026-03-10T12:00:00Z", "2026-03-10T15:00:00Z", "hour"));
  EXPECT_EQ(h.from, unixOf("2026-03-10T12:00:00Z"));
  EXPECT_EQ(h.to, unixOf("2026-03-10T15:00:00Z"));
  EXPECT_EQ(h.buckets(), 3);

  // 01:30+05:30 is 20:00 UTC the day before: the day bucket is that UTC day's.
  const UsageRange d = ok(parse("2026-03-10T01:30:00+05:30", "2026-03-10T23:59:59Z", "day"));
  EXPECT_EQ(d.from, unixOf("2026-03-09T00:00:00Z"));
  EXPECT_EQ(d.to, unixOf("2026-03-11T00:00:00Z"));
  EXPECT_EQ(d.buckets(), 2);

  // A date alone is midnight UTC.
  const UsageRange dates = ok(parse("2026-03-01", "2026-03-08", "day"));
  EXPECT_EQ(dates.buckets(), 7);
}

// Exactly 1500 buckets is allowed, 1501 is 400, for each granularity; the count is of the aligned range, so
// ceiling `to` by a second past the bound is 1501.
TEST(UsageQuery, AtMost1500Buckets) {
  EXPECT_EQ(ok(parse("2026-03-10T00:00:00Z", "2026-03-11T01:00:00Z", "minute")).buckets(), 1500);
  expectInvalid(parse("2026-03-10T00:00:00Z", "2026-03-11T01:01:00Z", "minute"), {"1501", "1500", "minute"});
  EXPECT_EQ(ok(parse("2026-03-10T00:00:30Z", "2026-03-11T01:00:00Z", "minute")).buckets(), 1500);
  expectInvalid(parse("2026-03-10T00:00:30Z", "2026-03-11T01:00:01Z", "minute"), {"1501"});

  EXPECT_EQ(ok(parse("2026-01-01T00:00:00Z", "2026-03-04T12:00:00Z", "hour")).buckets(), 1500);
  expectInvalid(parse("2026-01-01T00:00:00Z", "2026-03-04T13:00:00Z", "hour"), {"1501", "hour"});

  const SysTime start = at("2020-01-01T00:00:00Z");
  const std::string end1500 = formatIso8601(start + std::chrono::days(1500));
  const std::string end1501 = formatIso8601(start + std::chrono::days(1501));
  EXPECT_EQ(ok(parse("2020-01-01T00:00:00Z", end1500, "day")).buckets(), 1500);
  expectInvalid(parse("2020-01-01T00:00:00Z", end1501, "day"), {"1501", "day"});

  // The default range by minute is 1441 buckets: allowed.
  EXPECT_EQ(ok(parse(std::nullopt, std::nullopt, "minute")).buckets(), 1441);
}

// from and to must be ISO-8601 (an empty value is not); each bad one is named.
TEST(UsageQuery, FromAndToMustBeIso8601) {
  expectInvalid(parse("yesterday", std::nullopt), {"from"});
  expectInvalid(parse(std::nullopt, "1741600000"), {"to"});
  expectInvalid(parse("", std::nullopt), {"from"});
  expectInvalid(parse(std::nullopt, ""), {"to"});
  expectInvalid(parse("2026-02-30T00:00:00Z", std::nullopt), {"from"});
  expectInvalid(parse("2026-03-10T00:00:00Z junk", std::nullopt), {"from"});
  const auto both = parse("x", "y");
  expectInvalid(both, {"from", "to"});
  EXPECT_EQ(both.error().details.size(), 2u);
}

// granularity is exactly minute, hour or day.
TEST(UsageQuery, GranularityMustBeMinuteHourOrDay) {
  for (const char* bad : {"week", "Hour", "", "minutes", "seconds"}) {
    SCOPED_TRACE(bad);
    expectInvalid(parse(std::nullopt, std::nullopt, bad), {"granularity"});
  }
  EXPECT_EQ(ok(parse(std::nullopt, std::nullopt, "day")).granularity, Granularity::kDay);
  // Every problem at once: a bad granularity and a bad from.
  const auto both = parse("x", std::nullopt, "week");
  expectInvalid(both, {"from", "granularity"});
}

// from must come before to (compared as sent, before alignment): equal or later is 400, and so is a from in the
// future with no to (to defaults to now).
TEST(UsageQuery, FromMustBeBeforeTo) {
  expectInvalid(parse("2026-03-10T12:00:00Z", "2026-03-10T12:00:00Z"), {"before"});
  expectInvalid(parse("2026-03-10T13:00:00Z", "2026-03-10T12:00:00Z"), {"before"});
  expectInvalid(parse("2026-03-10T12:34:57Z", std::nullopt), {"before"});
  // Within one bucket but in order: one bucket.
  EXPECT_EQ(ok(parse("2026-03-10T12:10:00Z", "2026-03-10T12:20:00Z", "hour")).buckets(), 1);
}

// The granularities' names and lengths.
TEST(UsageQuery, GranularityNamesAndLengths) {
  for (const auto g : {Granularity::kMinute, Granularity::kHour, Granularity::kDay}) {
    EXPECT_EQ(parseGranularity(granularityName(g)), g);
  }
  EXPECT_EQ(granularitySeconds(Granularity::kMinute), 60);
  EXPECT_EQ(granularitySeconds(Granularity::kHour), 3600);
  EXPECT_EQ(granularitySeconds(Granularity::kDay), 86400);
}

// --- zeroFill ---

UsageCounts counts(int64_t valid, int64_t rateLimited = 0, int64_t other = 0) {
  UsageCounts c;
  c.valid = valid;
  c.rateLimited = rateLimited;
  c.other = other;
  return c;
}

// No rows: every bucket of the range, in order, all zeros.
TEST(UsageZeroFill, NoRowsIsEveryBucketAtZero) {
  const UsageRange r{Granularity::kHour, unixOf("2026-03-10T10:00:00Z"), unixOf("2026-03-10T14:00:00Z")};
  const auto out = zeroFill(r, {});
  ASSERT_EQ(out.size(), 4u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].start, r.from + static_cast<int64_t>(i) * 3600);
    EXPECT_EQ(out[i].counts, UsageCounts{});
  }
}

// Sparse rows in any order land in their buckets; rows of one bucket add up; rows outside the range or not on a
// bucket start are ignored.
TEST(UsageZeroFill, RowsLandInTheirBuckets) {
  const int64_t from = unixOf("2026-03-10T00:00:00Z");
  const UsageRange r{Granularity::kDay, from, from + 5 * 86400};
  const auto out = zeroFill(r, {{from + 3 * 86400, counts(3)},
                                {from, counts(1, 2)},
                                {from + 3 * 86400, counts(4, 0, 1)},
                                {from - 86400, counts(100)},
                                {from + 5 * 86400, counts(100)},
                                {from + 60, counts(100)}});
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].counts, counts(1, 2));
  EXPECT_EQ(out[1].counts, UsageCounts{});
  EXPECT_EQ(out[2].counts, UsageCounts{});
  EXPECT_EQ(out[3].counts, counts(7, 0, 1));
  EXPECT_EQ(out[4].counts, UsageCounts{});
  EXPECT_EQ(out[4].start, from + 4 * 86400);
}

// denied is disabled + expired + revoked + other, not the limits' refusals.
TEST(UsageZeroFill, DeniedSumsTheRefusals) {
  UsageCounts c{1, 2, 4, 8, 16, 32, 64};
  EXPECT_EQ(c.denied(), 8 + 16 + 32 + 64);
  c += c;
  EXPECT_EQ(c.valid, 2);
  EXPECT_EQ(c.usageExceeded, 8);
  EXPECT_EQ(c.denied(), 2 * (8 + 16 + 32 + 64));
}

}  // namespace
}  // namespace authd::keys
