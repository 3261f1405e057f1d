// The transactional outbox: a change's events are written by the statement
// after the change, in the change's own transaction, with their fan-out to the
// webhook endpoints that want them (sql/006_events.sql). Commit both or neither.
#pragma once

#include <pqxx/pqxx>

#include <vector>

#include "events/event.hpp"

namespace authd::store::pg {

// Writes `e` (and its deliveries) in `tx`; fills in its id, seq and time.
void appendEvent(pqxx::work& tx, events::Event& e);
void appendEvents(pqxx::work& tx, std::vector<events::Event>& events);

}  // namespace authd::store::pg
