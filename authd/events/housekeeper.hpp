// The audit log's upkeep, on one thread of its own, never on the request path:
// the retention prune (events older than AUDIT_RETENTION_DAYS) every hour, and
// the expiry scan (key.expiring / key.expired) every EXPIRY_SCAN_MS. Each
// store call is bounded and runs on one instance at a time (PostgreSQL
// advisory locks), so every instance can run a Housekeeper.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/expiry.hpp"

namespace authd::events {

// What one prune did.
struct PruneResult {
  uint64_t rows = 0;     // events deleted
  bool more = false;     // it stopped at its bound with old events left: run again soon
  bool skipped = false;  // another instance was pruning (it holds the lock)
};

// Deletes old events (PostgreSQL).
class AuditPruner {
 public:
  virtual ~AuditPruner() = default;
  // Deletes events written before `before`, in bounded batches, one instance at a time (another's prune in
  // progress: skipped, and nothing more is deleted).
  virtual Result<PruneResult> pruneEvents(SysTime before) = 0;
};

struct HousekeeperOptions {
  int64_t retentionDays = 365;                      // AUDIT_RETENTION_DAYS
  std::chrono::milliseconds pruneEvery{3'600'000};  // the retention prune's interval
  std::chrono::milliseconds scanEvery{60'000};      // EXPIRY_SCAN_MS
  std::chrono::milliseconds maxSleep{1000};         // the thread wakes at least this often
};

class Housekeeper {
 public:
  Housekeeper(AuditPruner& pruner, ExpiryScanner& scanner, const Clock& clock, HousekeeperOptions options);
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

  // What one tick ran.
  struct Ran {
    bool pruned = false;
    bool scanned = false;
  };
  // Runs what is due on the monotonic clock: the prune every pruneEvery (again at the next tick when it stopped at
  // its bound), the scan every scanEvery; both at the first call. A failure is logged and retried at the next
  // interval. The thread calls it; tests call it with a FakeClock.
  Ran tick();
  // How long until the next run is due (zero when one is due now).
  std::chrono::milliseconds untilDue() const;
  // Starts the thread. It sleeps until the next run is due (at most maxSleep) and stops at once when told to.
  void start();
  // Stops the thread (a run in progress finishes its current bounded step). Idempotent.
  void stop();

  uint64_t pruneRuns() const { return pruneRuns_.load(); }
  uint64_t prunedRows() const { return prunedRows_.load(); }
  uint64_t pruneFailures() const { return pruneFailures_.load(); }
  uint64_t scanRuns() const { return scanRuns_.load(); }
  uint64_t scanFailures() const { return scanFailures_.load(); }
  // Notices this instance wrote, by threshold.
  uint64_t notices(ExpiryThreshold t) const { return notices_[static_cast<size_t>(t)].load(); }

 private:
  AuditPruner& pruner_;
  ExpiryScanner& scanner_;
  const Clock& clock_;
  const HousekeeperOptions options_;

  mutable std::mutex tickMu_;  // one tick at a time; guards the schedule
  bool ranOnce_ = false;
  SteadyTime nextPrune_{};
  SteadyTime nextScan_{};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> stopRequested_{false};  // read by tick() between its two jobs
  std::thread thread_;

  std::atomic<uint64_t> pruneRuns_{0}, prunedRows_{0}, pruneFailures_{0};
  std::atomic<uint64_t> scanRuns_{0}, scanFailures_{0};
  std::array<std::atomic<uint64_t>, kExpiryThresholdCount> notices_{};
};

}  // namespace authd::events
