// PostgreSQL implementation of events::ExpiryScanner: finds the keys due a
// key.expiring / key.expired notice and writes each notice (key_expiry_notices,
// INSERT … ON CONFLICT DO NOTHING) with its event (the outbox, so webhooks get
// it) in one transaction, under an advisory lock so one instance scans at a time.
#pragma once

#include "events/expiry.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgExpiryScanner final : public events::ExpiryScanner {
 public:
  // `written` counts the events it commits (authd_events_written_total).
  PgExpiryScanner(PgPool& pool, events::WrittenCounts& written) : pool_(pool), written_(written) {}
  // Batches of kBatch keys, one transaction each, at most kMaxBatches per scan; the rest waits for the next.
  Result<events::ExpiryCounts> scanExpiries(SysTime now) override;

  static constexpr int kBatch = 500;
  static constexpr int kMaxBatches = 4;  // 2,000 notices per scan; one call stays short

 private:
  PgPool& pool_;
  events::WrittenCounts& written_;
};

}  // namespace authd::store::pg
