// Work that the lastUsedAt tracker's background thread runs beside its own:
// what the hot path buffered in memory goes to a queue shared by every
// instance (Redis) every push interval, and from there to PostgreSQL every
// flush interval (LAST_USED_FLUSH_MS). Usage counts and credit balances ride
// on the same schedule.
#pragma once

#include <string_view>

namespace authd {

class FlushJob {
 public:
  virtual ~FlushJob() = default;
  // For logs and metrics.
  virtual std::string_view name() const = 0;
  // Memory → the shared queue. false: kept (bounded) for the next tick.
  virtual bool push() { return true; }
  // The shared queue → PostgreSQL. false: it waits in the queue for the next flush.
  virtual bool flush() = 0;
};

}  // namespace authd
