// PostgreSQL implementation of the audit log's reads (events::AuditReader) and
// its retention prune (events::AuditPruner), over events (sql/006_events.sql).
#pragma once

#include "events/audit.hpp"
#include "events/housekeeper.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgAudit final : public events::AuditReader, public events::AuditPruner {
 public:
  explicit PgAudit(PgPool& pool) : pool_(pool) {}
  Result<std::vector<events::Event>> userEvents(std::string_view userId, std::optional<int64_t> before,
                                                int limit) override;
  // Batches of kPruneBatch rows, each in its own short transaction that first takes the prune's advisory lock
  // (another instance holding it: this one stops); at most kMaxBatches per call.
  Result<events::PruneResult> pruneEvents(SysTime before) override;

  static constexpr int kPruneBatch = 10'000;
  static constexpr int kMaxBatches = 5;  // one call stays short, so SIGTERM never waits long

 private:
  PgPool& pool_;
};

}  // namespace authd::store::pg
