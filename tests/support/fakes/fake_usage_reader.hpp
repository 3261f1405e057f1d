// What keys::UsageService reads usage from, in memory: key_usage's rows (per key
// and minute) with the owner and name api_keys would join in.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "keys/usage_reader.hpp"

namespace authd::testing {

// Rows summed into buckets as PostgreSQL's date_trunc would (UTC); `down` answers as PostgreSQL being unreachable.
class FakeUsageReader final : public keys::UsageReader {
 public:
  struct Row {
    std::string userId;
    std::string keyId;
    std::string name;
    int64_t minute = 0;  // unix s
    keys::UsageCounts counts;
  };

  Result<std::vector<keys::UsageBucket>> keyUsage(std::string_view userId, std::string_view keyId,
                                                  const keys::UsageRange& range) override {
    ++reads;
    if (down) return fail(Code::kDatabaseUnavailable);
    std::map<int64_t, keys::UsageCounts> sums;
    for (const auto& r : rows) {
      if (r.userId == userId && r.keyId == keyId && inRange(r, range)) sums[bucketOf(r, range)] += r.counts;
    }
    return bucketsOf(sums);
  }

  Result<keys::UserUsageRows> userUsage(std::string_view userId, const keys::UsageRange& range, bool perKey) override {
    ++reads;
    if (down) return fail(Code::kDatabaseUnavailable);
    std::map<int64_t, keys::UsageCounts> sums;
    std::map<std::string, std::map<int64_t, keys::UsageCounts>> perKeySums;
    keys::UserUsageRows out;
    for (const auto& r : rows) {
      if (r.userId != userId || !inRange(r, range)) continue;
      sums[bucketOf(r, range)] += r.counts;
      // Totals in the order keys first appear in `rows` (the store's stand-in for newest first).
      auto it = out.totals.begin();
      while (it != out.totals.end() && it->keyId != r.keyId) ++it;
      if (it == out.totals.end()) it = out.totals.insert(it, keys::KeyUsageTotal{r.keyId, r.name, {}, {}});
      it->counts += r.counts;
      perKeySums[r.keyId][bucketOf(r, range)] += r.counts;
    }
    out.buckets = bucketsOf(sums);
    if (perKey) {
      for (auto& t : out.totals) t.buckets = bucketsOf(perKeySums[t.keyId]);
    }
    return out;
  }

  std::vector<Row> rows;
  int reads = 0;
  bool down = false;

 private:
  static bool inRange(const Row& r, const keys::UsageRange& range) {
    return r.minute >= range.from && r.minute < range.to;
  }
  static int64_t bucketOf(const Row& r, const keys::UsageRange& range) {
    const int64_t step = keys::granularitySeconds(range.granularity);
    return r.minute / step * step;
  }
  static std::vector<keys::UsageBucket> bucketsOf(const std::map<int64_t, keys::UsageCounts>& sums) {
    std::vector<keys::UsageBucket> out;
    for (const auto& [start, counts] : sums) out.push_back({start, counts});
    return out;
  }
};

}  // namespace authd::testing
