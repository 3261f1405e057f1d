#include "store/pg/pg_usage_reader.hpp"

#include <string>
#include <unordered_map>

#include "store/pg/sql.hpp"

namespace authd::store::pg {
namespace {

// The seven sums of AUTHD_USAGE_SUMS, starting at column `first`.
keys::UsageCounts countsAt(const pqxx::row& r, int first) {
  keys::UsageCounts c;
  c.valid = r[first].as<int64_t>();
  c.rateLimited = r[first + 1].as<int64_t>();
  c.usageExceeded = r[first + 2].as<int64_t>();
  c.disabled = r[first + 3].as<int64_t>();
  c.expired = r[first + 4].as<int64_t>();
  c.revoked = r[first + 5].as<int64_t>();
  c.other = r[first + 6].as<int64_t>();
  return c;
}

std::vector<keys::UsageBucket> bucketsOf(const pqxx::result& rows) {
  std::vector<keys::UsageBucket> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back({r[0].as<int64_t>(), countsAt(r, 1)});
  return out;
}

}  // namespace

Result<std::vector<keys::UsageBucket>> PgUsageReader::keyUsage(std::string_view userId, std::string_view keyId,
                                                               const keys::UsageRange& range) {
  const std::string u(userId), k(keyId), g(keys::granularityName(range.granularity));
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return bucketsOf(tx.exec_prepared("key_usage_buckets", k, u, g, range.from, range.to));
  });
}

Result<keys::UserUsageRows> PgUsageReader::userUsage(std::string_view userId, const keys::UsageRange& range,
                                                     bool perKey) {
  const std::string u(userId), g(keys::granularityName(range.granularity));
  return pool_.run([&](pqxx::connection& c) {
    // One snapshot for both statements, so the buckets and the totals add up to the same counts even while a
    // flush adds to key_usage.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
    keys::UserUsageRows out;
    out.buckets = bucketsOf(tx.exec_prepared("user_usage_buckets", u, g, range.from, range.to));
    for (const auto& r : tx.exec_prepared("user_usage_totals", u, range.from, range.to)) {
      out.totals.push_back({r[0].as<std::string>(), r[1].as<std::string>(), countsAt(r, 2), {}});
    }
    if (perKey) {
      std::unordered_map<std::string, size_t> index;
      for (size_t i = 0; i < out.totals.size(); ++i) index.emplace(out.totals[i].keyId, i);
      for (const auto& r : tx.exec_prepared("user_usage_key_buckets", u, g, range.from, range.to)) {
        // Every key with rows has a total, from the same snapshot.
        if (auto it = index.find(r[0].as<std::string>()); it != index.end()) {
          out.totals[it->second].buckets.push_back({r[1].as<int64_t>(), countsAt(r, 2)});
        }
      }
    }
    tx.commit();
    return out;
  });
}

}  // namespace authd::store::pg
