#include "store/pg/pg_deliveries.hpp"

namespace authd::store::pg {
namespace {

std::string_view stateName(events::AttemptResult r) {
  switch (r) {
    case events::AttemptResult::kDelivered: return "delivered";
    case events::AttemptResult::kRetry: return "pending";
    case events::AttemptResult::kFailed: return "failed";
  }
  return "pending";
}

}  // namespace

Result<std::vector<events::DueDelivery>> PgDeliveryStore::claimDue(int limit, std::chrono::milliseconds lease) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto rows = tx.exec_prepared("claim_deliveries", limit, static_cast<int64_t>(lease.count()));
    tx.commit();
    std::vector<events::DueDelivery> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
      events::DueDelivery d;
      d.id = row[0].as<int64_t>();
      d.attempts = row[1].as<int>();
      d.webhookId = row[2].as<std::string>();
      d.url = row[3].as<std::string>();
      d.sealedSecret = row[4].as<std::string>();
      d.endpointDeleted = row[5].as<bool>();
      auto& e = d.event;
      e.id = row[6].as<std::string>();
      e.seq = row[7].as<int64_t>();
      e.type = row[8].as<std::string>();
      e.at = SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::microseconds(row[9].as<int64_t>())));
      e.userId = row[10].as<std::string>();
      e.actor.kind = events::parseActorKind(row[11].as<std::string>()).value_or(events::ActorKind::kSystem);
      e.actor.id = row[12].as<std::string>();
      e.targetType = row[13].as<std::string>();
      e.targetId = row[14].as<std::string>();
      e.origin.clientAddress = row[15].as<std::string>();
      e.origin.userAgent = row[16].as<std::string>();
      e.data = row[17].as<std::string>();
      out.push_back(std::move(d));
    }
    return out;
  });
}

Result<bool> PgDeliveryStore::record(const events::AttemptRecord& r) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto res = tx.exec_prepared("record_delivery", r.id, r.attempts, std::string(stateName(r.result)), r.status,
                                      r.error, static_cast<int64_t>(r.retryIn.count()));
    tx.commit();
    return res.affected_rows() == 1;
  });
}

Result<events::QueueStats> PgDeliveryStore::queueStats() {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto row = tx.exec_prepared1("delivery_queue_stats");
    tx.commit();
    return events::QueueStats{row[0].as<int64_t>(), row[1].as<double>()};
  });
}

}  // namespace authd::store::pg
