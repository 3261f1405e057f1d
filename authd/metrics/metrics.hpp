// Prometheus metrics for operators: requests by route and status, /verify
// outcomes and latency, key-cache tiers, rate-limit denials, admissions
// (limits and credits) by result, credits spent, lastUsedAt and usage
// flushes, audit events written by type, pool sizes and waits. Hot-path counters are created up front so
// recording one is an atomic add, never a registry lookup.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/router.hpp"
#include "verify/verifier.hpp"

namespace authd::metrics {

// Gauges and counters owned by other components, read at scrape time.
struct Snapshot {
  int pgOpen = 0, pgSize = 0, redisOpen = 0, redisSize = 0;
  uint64_t pgWaits = 0, redisWaits = 0;
  uint64_t lastUsedBatches = 0, lastUsedRows = 0, lastUsedDirect = 0, lastUsedDropped = 0;
  size_t lastUsedPending = 0;
  uint64_t usageRowsRecorded = 0, usageRowsPushed = 0, usageRowsFlushed = 0, usageFlushChunks = 0;
  uint64_t usageDropped = 0, usagePruneRuns = 0;
  size_t usagePending = 0;
  size_t workerQueue = 0;
  size_t keyFilterSize = 0;
  size_t denylistSize = 0;      // denied jtis
  size_t denylistSessions = 0;  // revoked sessions (sids)
  uint64_t denylistPrunes = 0;
  uint64_t denylistPrunedRows = 0;  // PostgreSQL rows the prunes deleted
  bool invalidationSubscribed = false;
  uint64_t invalidationPolls = 0;
  uint64_t rateLimitLocal = 0;
  uint64_t creditFlushRows = 0;      // credit balances written back from Redis to PostgreSQL
  uint64_t creditFlushFailures = 0;  // flush-backs that failed (the balances wait in Redis)
  // Audit events written (committed) by this instance, by type (events::WrittenCounts::snapshot).
  std::vector<std::pair<std::string_view, uint64_t>> eventsWritten;
  uint64_t auditPrunedRows = 0;             // events the retention prune deleted (this instance)
  std::array<uint64_t, 3> expiryNotices{};  // expiry notices this instance wrote: 7d, 1d, expired
  // Webhook delivery: recorded attempts by result, and the backlog as last sampled (every instance sees all of it).
  uint64_t webhookDelivered = 0;       // 2xx answers
  uint64_t webhookFailedAttempts = 0;  // failed attempts to be retried
  uint64_t webhookFailed = 0;          // deliveries given up (retry deadline passed, endpoint deleted)
  int64_t webhookQueueDepth = 0;       // pending deliveries
  double webhookOldestPendingSeconds = 0;
};

class Metrics {
 public:
  // `snapshot` is called on each scrape.
  explicit Metrics(std::function<Snapshot()> snapshot);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Pre-creates the per-route counters; call once all routes are registered.
  void registerRoutes(const http::Router& router);
  // One answered request (route null: unmatched).
  void onRequest(const http::HttpRequest& req, const http::Route* route, const http::HttpResponse& res,
                 std::chrono::nanoseconds took);
  // One /verify decision.
  void onVerdict(const verify::Verdict& v);
  // The Prometheus text exposition of everything.
  std::string render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authd::metrics
