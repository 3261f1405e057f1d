// The transactional outbox: a change's events are written by the statement
// after the change, in the change's own transaction, with their fan-out to the
// webhook endpoints that want them (sql/006_events.sql). Commit both or neither.
#pragma once

#include <pqxx/pqxx>

#include <span>
#include <vector>

#include "events/event.hpp"
#include "events/event_writer.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

// Writes `e` (and its deliveries) in `tx`; fills in its id, seq and time.
void appendEvent(pqxx::work& tx, events::Event& e);
void appendEvents(pqxx::work& tx, std::vector<events::Event>& events);
void appendEvents(pqxx::work& tx, std::span<events::Event> events);

// Commits `tx`, then counts `events` as written (only what committed is counted).
void commitCounted(pqxx::work& tx, std::span<const events::Event> events, events::WrittenCounts& counts);

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
