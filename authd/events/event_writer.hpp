// Where an event that accompanies no change of its own is written (a failed
// login changes nothing): in a transaction of its own. Events that come with a
// change are written by the change's store, in the change's transaction.
#pragma once

#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::events {

class EventWriter {
 public:
  virtual ~EventWriter() = default;
  // Writes `e` (and its webhook deliveries); fills in its id, seq and time.
  virtual Status write(Event& e) = 0;
};

}  // namespace authd::events
