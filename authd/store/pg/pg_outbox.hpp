// The transactional outbox: a change's events are written by the statement
// after the change, in the change's own transaction, with their fan-out to the
// webhook endpoints that want them (sql/006_events.sql). Commit both or neither.
#pragma once

#include <pqxx/pqxx>

#include <span>

#include "events/event.hpp"
#include "events/event_writer.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

// Writes `e` (and its deliveries) in `tx`; fills in its id, seq and time.
void appendEvent(pqxx::work& tx, events::Event& e);

// Commits `tx`, then counts `events` as written (only what committed is counted).
void commitCounted(pqxx::work& tx, std::span<const events::Event> events, events::WrittenCounts& counts);

// How a change ends: its events appended (appendEvent), the transaction committed, the events counted.
void commitWithEvents(pqxx::work& tx, std::span<events::Event> events, events::WrittenCounts& counts);

// An event with no change of its own (a failed login), in a transaction of its own.
class PgEventWriter final : public events::EventWriter {
 public:
  PgEventWriter(PgPool& pool, events::WrittenCounts& counts) : pool_(pool), counts_(counts) {}
  Status write(events::Event& e) override;

 private:
  PgPool& pool_;
  events::WrittenCounts& counts_;
};

}  // namespace authd::store::pg
