#include "keys/usage_query.hpp"

#include <chrono>

#include "core/time_format.hpp"

namespace authd::keys {
namespace {

constexpr int64_t kMsPerSecond = 1000;

// a / b rounded towards negative infinity (b > 0): a default `from` may lie before 1970.
int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0 && a < 0) ? 1 : 0); }

int64_t unixMs(SysTime t) { return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count(); }

// The ISO-8601 parameter `name` in unix ms; nullopt when absent, or when malformed (then said in `errors`).
std::optional<int64_t> instantMs(const std::optional<std::string_view>& value, std::string_view name,
                                 std::vector<std::string>& errors) {
  if (!value) return std::nullopt;
  const auto t = parseIso8601(*value);
  if (!t) {
    errors.push_back(std::string(name) + " must be an ISO-8601 date-time, e.g. 2025-01-31T12:00:00Z");
    return std::nullopt;
  }
  return unixMs(*t);
}

}  // namespace

std::string_view granularityName(Granularity g) {
  switch (g) {
    case Granularity::kMinute: return "minute";
    case Granularity::kHour: return "hour";
    case Granularity::kDay: return "day";
  }
  return "hour";
}

std::optional<Granularity> parseGranularity(std::string_view s) {
  if (s == "minute") return Granularity::kMinute;
  if (s == "hour") return Granularity::kHour;
  if (s == "day") return Granularity::kDay;
  return std::nullopt;
}

int64_t granularitySeconds(Granularity g) {
  switch (g) {
    case Granularity::kMinute: return 60;
    case Granularity::kHour: return 3600;
    case Granularity::kDay: return 86400;
  }
  return 3600;
}

Result<UsageRange> parseUsageQuery(const UsageQuery& query, SysTime now) {
  std::vector<std::string> errors;
  UsageRange range;
  if (query.granularity) {
    if (const auto g = parseGranularity(*query.granularity)) {
      range.granularity = *g;
    } else {
      errors.emplace_back("granularity must be one of minute, hour, day");
    }
  }
  const auto fromMs = instantMs(query.from, "from", errors);
  const auto toMs = instantMs(query.to, "to", errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));

  // Defaults on the instants as asked, alignment after: the buckets cover all of [from, to).
  const int64_t to = toMs.value_or(unixMs(now));
  const int64_t from = fromMs.value_or(to - int64_t{24} * 3600 * kMsPerSecond);
  if (from >= to) return fail(Error::validation({"from must be before to"}));
  const int64_t step = granularitySeconds(range.granularity) * kMsPerSecond;
  const int64_t alignedFrom = floorDiv(from, step) * step;
  const int64_t alignedTo = -floorDiv(-to, step) * step;  // the ceiling
  const int64_t buckets = (alignedTo - alignedFrom) / step;
  if (buckets > kMaxUsageBuckets) {
    return fail(Error::validation({"the range needs " + std::to_string(buckets) + " buckets of a " +
                                   std::string(granularityName(range.granularity)) + "; at most " +
                                   std::to_string(kMaxUsageBuckets) +
                                   " are allowed (shorten the range or use a coarser granularity)"}));
  }
  range.from = alignedFrom / kMsPerSecond;
  range.to = alignedTo / kMsPerSecond;
  return range;
}

UsageCounts& UsageCounts::operator+=(const UsageCounts& o) {
  valid += o.valid;
  rateLimited += o.rateLimited;
  usageExceeded += o.usageExceeded;
  disabled += o.disabled;
  expired += o.expired;
  revoked += o.revoked;
  other += o.other;
  return *this;
}

std::vector<UsageBucket> zeroFill(const UsageRange& range, const std::vector<UsageBucket>& rows) {
  const int64_t step = granularitySeconds(range.granularity);
  std::vector<UsageBucket> out;
  if (range.to <= range.from) return out;
  out.resize(static_cast<size_t>((range.to - range.from) / step));
  for (size_t i = 0; i < out.size(); ++i) out[i].start = range.from + static_cast<int64_t>(i) * step;
  for (const auto& row : rows) {
    if (row.start < range.from || row.start >= range.to || (row.start - range.from) % step != 0) continue;
    out[static_cast<size_t>((row.start - range.from) / step)].counts += row.counts;
  }
  return out;
}

}  // namespace authd::keys
