#include "store/pg/pg_outbox.hpp"

namespace authd::store::pg {

void appendEvent(pqxx::work& tx, events::Event& e) {
  const auto row = tx.exec_prepared1("append_event", e.type, e.userId, std::string(events::actorKindName(e.actor.kind)),
                                     e.actor.id, e.targetType, e.targetId, e.origin.clientAddress, e.origin.userAgent,
                                     e.data, events::isOperatorOnlyType(e.type));
  e.id = row[0].as<std::string>();
  e.seq = row[1].as<int64_t>();
  e.at = SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::microseconds(row[2].as<int64_t>())));
}

void commitWithEvents(pqxx::work& tx, std::span<events::Event> events, events::WrittenCounts& counts) {
  for (auto& e : events) appendEvent(tx, e);
  commitCounted(tx, events, counts);
}

void commitCounted(pqxx::work& tx, std::span<const events::Event> events, events::WrittenCounts& counts) {
  tx.commit();
  for (const auto& e : events) counts.add(e.type);
}

Status PgEventWriter::write(events::Event& e) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    commitWithEvents(tx, std::span(&e, 1), counts_);
  });
}

}  // namespace authd::store::pg
