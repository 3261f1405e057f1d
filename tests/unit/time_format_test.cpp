#include "core/time_format.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace authd {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

SysTime utc(int y, unsigned mo, unsigned d, hours h = 0h, minutes mi = 0min, seconds s = 0s, milliseconds ms = 0ms) {
  return SysTime(sys_days(year{y} / mo / d) + h + mi + s + ms);
}

// Formatting then parsing gives back the same instant, to the millisecond.
TEST(TimeFormatTest, RoundTripsMilliseconds) {
  for (const SysTime t : {utc(1970, 1, 1), utc(2025, 12, 31, 23h, 59min, 59s, 999ms), utc(2024, 2, 29, 12h),
                          utc(2000, 1, 1, 0h, 0min, 0s, 1ms), utc(2262, 1, 1)}) {
    const std::string text = formatIso8601(t);
    const auto back = parseIso8601(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, t) << text;
  }
}

// The output is the fixed-width UTC form with milliseconds.
TEST(TimeFormatTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(formatIso8601(utc(2025, 12, 31, 23h, 59min, 59s)), "2025-12-31T23:59:59.000Z");
  EXPECT_EQ(formatIso8601(utc(2025, 1, 2, 3h, 4min, 5s, 67ms)), "2025-01-02T03:04:05.067Z");
  EXPECT_EQ(formatIso8601(SysTime{}), "1970-01-01T00:00:00.000Z");
}

// Sub-millisecond precision is truncated (floored), never rounded up into the next second.
TEST(TimeFormatTest, FormatTruncatesSubMilliseconds) {
  EXPECT_EQ(formatIso8601(utc(2025, 1, 1) + 999999us), "2025-01-01T00:00:00.999Z");
}

// Formatting a parsed canonical string reproduces it exactly.
TEST(TimeFormatTest, RoundTripsText) {
  for (const char* s : {"2025-12-31T23:59:59.000Z", "1970-01-01T00:00:00.000Z", "2024-02-29T12:34:56.789Z"}) {
    const auto t = parseIso8601(s);
    ASSERT_TRUE(t) << s;
    EXPECT_EQ(formatIso8601(*t), s);
  }
}

// The basic forms: Z, lowercase t/z, and date-only meaning midnight UTC.
TEST(TimeFormatTest, ParsesBasicForms) {
  EXPECT_EQ(parseIso8601("2025-12-31T23:59:59Z"), utc(2025, 12, 31, 23h, 59min, 59s));
  EXPECT_EQ(parseIso8601("2025-12-31t23:59:59z"), utc(2025, 12, 31, 23h, 59min, 59s));
  EXPECT_EQ(parseIso8601("2025-12-31"), utc(2025, 12, 31));
  EXPECT_EQ(parseIso8601("2024-02-29"), utc(2024, 2, 29));
}

// Offsets are subtracted to get UTC, including across a day boundary.
TEST(TimeFormatTest, AppliesOffsets) {
  EXPECT_EQ(parseIso8601("2025-06-01T12:00:00+02:00"), utc(2025, 6, 1, 10h));
  EXPECT_EQ(parseIso8601("2025-06-01T12:00:00-05:30"), utc(2025, 6, 1, 17h, 30min));
  EXPECT_EQ(parseIso8601("2025-01-01T00:30:00+01:00"), utc(2024, 12, 31, 23h, 30min));
  EXPECT_EQ(parseIso8601("2025-12-31T23:00:00-02:00"), utc(2026, 1, 1, 1h));
  EXPECT_EQ(parseIso8601("2025-06-01T12:00:00+00:00"), utc(2025, 6, 1, 12h));
}

// Fractions of any length are kept to milliseconds: short ones scaled, long ones truncated.
TEST(TimeFormatTest, ParsesFractions) {
  EXPECT_EQ(parseIso8601("2025-01-01T00:00:00.123Z"), utc(2025, 1, 1, 0h, 0min, 0s, 123ms));
  EXPECT_EQ(parseIso8601("2025-01-01T00:00:00.5Z"), utc(2025, 1, 1, 0h, 0min, 0s, 500ms));
  EXPECT_EQ(parseIso8601("2025-01-01T00:00:00.05Z"), utc(2025, 1, 1, 0h, 0min, 0s, 50ms));
  EXPECT_EQ(parseIso8601("2025-01-01T00:00:00.123456789Z"), utc(2025, 1, 1, 0h, 0min, 0s, 123ms));
  EXPECT_EQ(parseIso8601("2025-01-01T00:00:00.9999+01:00"), utc(2024, 12, 31, 23h, 0min, 0s, 999ms));
}

// Calendar-impossible dates are refused, leap years respected.
TEST(TimeFormatTest, RejectsInvalidDates) {
  EXPECT_FALSE(parseIso8601("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(parseIso8601("2025-02-29"));
  EXPECT_FALSE(parseIso8601("2100-02-29"));
  EXPECT_FALSE(parseIso8601("2025-13-01T00:00:00Z"));
  EXPECT_FALSE(parseIso8601("2025-00-10T00:00:00Z"));
  EXPECT_FALSE(parseIso8601("2025-04-31"));
  EXPECT_FALSE(parseIso8601("2025-01-00"));
  EXPECT_FALSE(parseIso8601("2025-01-32"));
}

// Out-of-range clock fields and offsets are refused.
TEST(TimeFormatTest, RejectsInvalidTimes) {
  EXPECT_FALSE(parseIso8601("2025-01-01T24:00:00Z"));
  EXPECT_FALSE(parseIso8601("2025-01-01T23:60:00Z"));
  EXPECT_FALSE(parseIso8601("2025-01-01T23:59:60Z"));
  EXPECT_FALSE(parseIso8601("2025-01-01T12:00:00+24:00"));
  EXPECT_FALSE(parseIso8601("2025-01-01T12:00:00+01:60"));
}

// Anything not in the accepted grammar is refused rather than half-parsed.
TEST(TimeFormatTest, RejectsJunk) {
  for (const char* s : {"",
                        "junk",
                        "2025",
                        "2025-01",
                        "2025-1-01",
                        "2025-01-1",
                        "25-01-01",
                        "2025/01/01",
                        "2025-01-01T",
                        "2025-01-01T12:00",
                        "2025-01-01T12:00:00",
                        "2025-01-01T12:00:00.Z",
                        "2025-01-01T12:00:00Zjunk",
                        "2025-01-01junk",
                        "2025-01-01 12:00:00Z",
                        "2025-01-01T12:00:00+0100",
                        "2025-01-01T12:00:00+01",
                        "+2025-01-01",
                        " 2025-01-01",
                        "2025-01-01T12:00:00,5Z",
                        "2025-01-01T1a:00:00Z"}) {
    EXPECT_FALSE(parseIso8601(s)) << '"' << s << '"';
  }
}

// Years are limited to 1970..9999, and to what system_clock can hold.
TEST(TimeFormatTest, RejectsYearsOutOfRange) {
  EXPECT_FALSE(parseIso8601("1969-12-31T23:59:59Z"));
  EXPECT_FALSE(parseIso8601("0000-01-01"));
  EXPECT_FALSE(parseIso8601("10000-01-01"));
  EXPECT_TRUE(parseIso8601("1970-01-01T00:00:00Z"));
  EXPECT_TRUE(parseIso8601("2262-04-11T00:00:00Z"));
  // system_clock (int64 nanoseconds in libstdc++) ends in 2262; later instants would overflow.
  EXPECT_FALSE(parseIso8601("2262-04-12T00:00:00Z"));
  EXPECT_FALSE(parseIso8601("9999-12-31T23:59:59Z"));
}

}  // namespace
}  // namespace authd
