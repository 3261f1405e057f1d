#include "store/pg/pg_expiry_scan.hpp"

#include <string>

#include "store/pg/pg_outbox.hpp"
#include "store/pg/sql.hpp"

namespace authd::store::pg {
namespace {

double unixSeconds(SysTime t) { return static_cast<double>(toUnixMillis(t)) / 1000.0; }

// One batch's outcome.
struct Batch {
  events::ExpiryCounts counts;
  int candidates = 0;
};

}  // namespace

Result<events::ExpiryCounts> PgExpiryScanner::scanExpiries(SysTime now) {
  const double at = unixSeconds(now);
  const double oneDay = unixSeconds(now + events::kOneDayNotice);
  const double sevenDays = unixSeconds(now + events::kSevenDayNotice);
  const double lookback = unixSeconds(now - events::kExpiredLookback);
  events::ExpiryCounts total;
  for (int i = 0; i < kMaxBatches; ++i) {
    auto batch = pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      Batch b;
      if (!tx.exec_prepared1("try_xact_lock", sql::kExpiryScanLockId)[0].as<bool>()) {
        b.counts.skipped = true;  // another instance is scanning
        return b;
      }
      std::vector<events::Event> written;
      const auto rows = tx.exec_prepared("expiry_candidates", at, oneDay, sevenDays, lookback, kBatch);
      b.candidates = static_cast<int>(rows.size());
      for (const auto& r : rows) {
        const auto threshold = events::parseThreshold(r[3].as<std::string>());
        if (!threshold) continue;  // the statement names only the three
        const std::string keyId = r[0].as<std::string>();
        const int64_t expiresUs = r[2].as<int64_t>();
        // The notice first: only the transaction that wrote it writes the event.
        if (tx.exec_prepared("insert_expiry_notice", keyId, expiresUs, std::string(events::thresholdName(*threshold)))
                .affected_rows() != 1) {
          continue;
        }
        auto e = events::expiryEvent(
            *threshold, r[1].as<std::string>(), keyId,
            SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::microseconds(expiresUs))));
        written.push_back(std::move(e));
        ++b.counts.written[static_cast<size_t>(*threshold)];
      }
      commitWithEvents(tx, written, written_);
      return b;
    });
    if (!batch) return fail(std::move(batch.error()));
    for (size_t t = 0; t < events::kExpiryThresholdCount; ++t) total.written[t] += batch->counts.written[t];
    if (batch->counts.skipped) {
      total.skipped = true;
      break;
    }
    if (batch->candidates < kBatch) break;
  }
  return total;
}

}  // namespace authd::store::pg
