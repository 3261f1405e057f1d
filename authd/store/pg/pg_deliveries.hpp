// events::DeliveryStore on PostgreSQL (webhook_deliveries, sql/006_events.sql).
// Claims take due rows with FOR UPDATE SKIP LOCKED and move their next attempt
// a lease ahead in the same statement, so two instances never claim the same
// attempt; results are written only where the row is still pending with the
// claim's attempt count.
#pragma once

#include "events/delivery_worker.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgDeliveryStore final : public events::DeliveryStore {
 public:
  explicit PgDeliveryStore(PgPool& pool) : pool_(pool) {}
  Result<std::vector<events::DueDelivery>> claimDue(int limit, std::chrono::milliseconds lease) override;
  Result<bool> record(const events::AttemptRecord& r) override;
  Result<events::QueueStats> queueStats() override;

 private:
  PgPool& pool_;
};

}  // namespace authd::store::pg
