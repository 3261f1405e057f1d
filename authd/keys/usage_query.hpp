// What a usage read asks for (GET /keys/:id/usage, GET /usage): a UTC range cut
// into minute, hour or day buckets, parsed and bounded here so the store only
// ever sees an aligned range of at most kMaxUsageBuckets; and the zero-fill that
// turns the store's sparse rows into every bucket of the range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace authd::keys {

enum class Granularity { kMinute, kHour, kDay };

// "minute", "hour", "day": the query parameter's values and the JSON's.
std::string_view granularityName(Granularity g);
// The granularity a query names; nullopt for anything else (case matters).
std::optional<Granularity> parseGranularity(std::string_view s);
// A bucket's length in seconds (UTC has no leap seconds in unix time, so a day is 86,400).
int64_t granularitySeconds(Granularity g);

// The most buckets one answer may hold (more is a 400).
inline constexpr int64_t kMaxUsageBuckets = 1500;

// An aligned range: [from, to) in unix seconds, both on bucket starts, from < to.
struct UsageRange {
  Granularity granularity = Granularity::kHour;
  int64_t from = 0;
  int64_t to = 0;
  // How many buckets the range holds.
  int64_t buckets() const { return (to - from) / granularitySeconds(granularity); }
};

// The query parameters as sent (nullopt: absent); anything else in the query is ignored.
struct UsageQuery {
  std::optional<std::string_view> from;
  std::optional<std::string_view> to;
  std::optional<std::string_view> granularity;
};

// The range a query asks for, given the time now. Defaults: to = now, from = to - 24 h, granularity hour; then
// from is floored and to ceiled to the granularity (so the buckets cover every instant asked for). kValidationFailed,
// naming each problem, when from or to is not ISO-8601 (an empty value included), from >= to, the granularity is not
// minute, hour or day, or the range needs more than kMaxUsageBuckets buckets.
Result<UsageRange> parseUsageQuery(const UsageQuery& query, SysTime now);

// A key's /verify answers in one bucket (or a range), by outcome.
struct UsageCounts {
  int64_t valid = 0;
  int64_t rateLimited = 0;
  int64_t usageExceeded = 0;
  int64_t disabled = 0;
  int64_t expired = 0;
  int64_t revoked = 0;
  int64_t other = 0;

  // Refusals that are not about limits: disabled + expired + revoked + other.
  int64_t denied() const { return disabled + expired + revoked + other; }
  UsageCounts& operator+=(const UsageCounts& o);
  bool operator==(const UsageCounts&) const = default;
};

// One bucket: its start (unix s, UTC) and what was counted in it.
struct UsageBucket {
  int64_t start = 0;
  UsageCounts counts;
  bool operator==(const UsageBucket&) const = default;
};

// Every bucket of `range` in order, with the counts of `rows` (sparse, any order) where there are some and zeros
// elsewhere. Rows of the same bucket add up; a row that does not start a bucket of the range is ignored.
std::vector<UsageBucket> zeroFill(const UsageRange& range, const std::vector<UsageBucket>& rows);

// One key's counts over a whole range, as GET /usage lists them.
struct KeyUsageTotal {
  std::string keyId;
  std::string name;
  UsageCounts counts;
  std::vector<UsageBucket> buckets;  // asked for per key (GET /usage?perKey=true): its own buckets, else empty
};

// With per-key buckets (GET /usage?perKey=true) a range may hold at most this many (a week by hour): each listed
// key's series stays short (the answer holds one per key used in the range).
inline constexpr int64_t kMaxPerKeyBuckets = 168;

}  // namespace authd::keys
