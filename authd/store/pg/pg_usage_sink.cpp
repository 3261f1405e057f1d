#include "store/pg/pg_usage_sink.hpp"

#include <array>

#include "core/crypto.hpp"
#include "store/pg/pg_arrays.hpp"

namespace authd::store::pg {
namespace {

// Rows per DELETE, so one prune never holds locks on a huge set.
constexpr int kPruneBatch = 10'000;
// Batches per statement per prune; what is left waits for the next one.
constexpr int kMaxBatches = 100;

}  // namespace

Result<bool> PgUsageSink::addUsage(std::string_view chunkId, const std::vector<verify::UsageRow>& rows) {
  // Key ids are UUIDs (the verifier counts only keys it found); anything else cannot be a key's and
  // would fail the whole chunk's uuid[] cast.
  std::vector<const verify::UsageRow*> valid;
  valid.reserve(rows.size());
  for (const auto& r : rows) {
    if (crypto::isUuid(r.keyId)) valid.push_back(&r);
  }
  const std::string ids = arrayLiteral(valid, [](const verify::UsageRow* r) { return r->keyId; });
  const std::string minutes = arrayLiteral(valid, [](const verify::UsageRow* r) { return std::to_string(r->minute); });
  std::array<std::string, verify::kOutcomeCount> counts;
  for (size_t o = 0; o < verify::kOutcomeCount; ++o) {
    counts[o] = arrayLiteral(valid, [o](const verify::UsageRow* r) { return std::to_string(r->counts[o]); });
  }
  const std::string chunk(chunkId);
  return pool_.run([&](pqxx::connection& c) -> bool {
    pqxx::work tx(c);
    if (tx.exec_prepared("mark_usage_chunk", chunk).affected_rows() == 0) return false;  // applied before
    if (!valid.empty()) {
      // Index lookups into api_keys, as for touch_last_used: a hash join scans the whole table per chunk.
      tx.exec("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off");
      tx.exec_prepared0("add_usage", ids, minutes, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
                        counts[6]);
    }
    tx.commit();
    return true;
  });
}

Result<size_t> PgUsageSink::pruneUsage(int64_t usageBefore, int64_t chunksBefore) {
  size_t total = 0;
  for (const auto& [statement, before] :
       {std::pair{"prune_usage", usageBefore}, std::pair{"prune_usage_chunks", chunksBefore}}) {
    auto deleted = deleteInBatches(pool_, kPruneBatch, kMaxBatches, [&](pqxx::work& tx) {
      return static_cast<size_t>(tx.exec_prepared(statement, before, kPruneBatch).affected_rows());
    });
    if (!deleted) return fail(std::move(deleted.error()));
    total += *deleted;
  }
  return total;
}

}  // namespace authd::store::pg
