#include "metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <map>
#include <mutex>
#include <sstream>

namespace authd::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Statuses authd answers; others fall back to a locked lookup.
constexpr std::array kStatuses{200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503};
constexpr size_t kCodes = static_cast<size_t>(Code::kInternal) + 1;
constexpr std::array kTiers{"filter", "l1", "l2", "database", "stale"};
// verify::AdmissionResult after kNone, in order.
constexpr std::array kAdmissions{"allowed", "rate_limited_key", "rate_limited_user", "usage_exceeded",
                                 "store_unavailable"};

}  // namespace

struct Metrics::Impl {
  std::function<Snapshot()> snapshot;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  Family<Counter>& requests = prometheus::BuildCounter()
                                  .Name("authd_http_requests_total")
                                  .Help("HTTP requests answered, by route pattern, method and status")
                                  .Register(*registry);
  Family<Histogram>& verifyLatency = prometheus::BuildHistogram()
                                         .Name("authd_verify_duration_seconds")
                                         .Help("Time to answer GET /verify, from request parsed to response written")
                                         .Register(*registry);
  Family<Counter>& verdicts = prometheus::BuildCounter()
                                  .Name("authd_verify_total")
                                  .Help("/verify decisions by result (ok or the X-Auth-Error code) and credential type")
                                  .Register(*registry);
  Family<Counter>& keyTiers = prometheus::BuildCounter()
                                  .Name("authd_key_cache_lookups_total")
                                  .Help("API key lookups by the tier that answered (filter = known absent, no I/O)")
                                  .Register(*registry);
  Family<Counter>& keyMisses = prometheus::BuildCounter()
                                   .Name("authd_key_cache_misses_total")
                                   .Help("API key lookups that missed a cache tier")
                                   .Register(*registry);
  Family<Counter>& rateLimited = prometheus::BuildCounter()
                                     .Name("authd_rate_limited_total")
                                     .Help("/verify requests denied for exceeding a key's rate limit")
                                     .Register(*registry);
  Family<Counter>& admissions = prometheus::BuildCounter()
                                    .Name("authd_admissions_total")
                                    .Help("/verify admissions that asked the limits-and-credits store, by result")
                                    .Register(*registry);
  Family<Counter>& creditsSpent = prometheus::BuildCounter()
                                      .Name("authd_credits_spent_total")
                                      .Help("Credits spent by allowed /verify requests (the sum of their costs)")
                                      .Register(*registry);
  Family<Counter>& auditPruned = prometheus::BuildCounter()
                                     .Name("authd_audit_pruned_total")
                                     .Help("Audit events deleted by the retention prune (AUDIT_RETENTION_DAYS)")
                                     .Register(*registry);
  Family<Counter>& expiryNotices = prometheus::BuildCounter()
                                       .Name("authd_expiry_notices_total")
                                       .Help("key.expiring (7d, 1d) and key.expired notices written, by threshold")
                                       .Register(*registry);
  Family<Gauge>& gauges = prometheus::BuildGauge()
                              .Name("authd_state")
                              .Help("Point-in-time state: pool sizes, queues, cache sizes (see the 'what' label)")
                              .Register(*registry);
  Family<Counter>& eventsWritten = prometheus::BuildCounter()
                                       .Name("authd_events_written_total")
                                       .Help("Audit events written with their changes (committed), by event type")
                                       .Register(*registry);
  Family<Counter>& totals = prometheus::BuildCounter()
                                .Name("authd_events_total")
                                .Help("Counters kept by components: pool waits, lastUsedAt flushes, polls (see 'what')")
                                .Register(*registry);

  Family<Counter>& webhookDeliveries = prometheus::BuildCounter()
                                           .Name("authd_webhook_deliveries_total")
                                           .Help(
                                               "Webhook attempts recorded by this instance, by result (delivered, "
                                               "failed_attempt: retried later, failed: given up)")
                                           .Register(*registry);
  Family<Gauge>& webhookQueue = prometheus::BuildGauge()
                                    .Name("authd_webhook_queue_depth")
                                    .Help("Webhook deliveries pending (every instance's), sampled every few seconds")
                                    .Register(*registry);
  Family<Gauge>& webhookOldest = prometheus::BuildGauge()
                                     .Name("authd_webhook_oldest_pending_seconds")
                                     .Help("Age of the oldest pending webhook delivery, sampled every few seconds")
                                     .Register(*registry);

  Histogram* verifyHistogram = &verifyLatency.Add(
      {}, Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1});
  std::array<Counter*, kCodes + 1> verdictJwt{};  // index kCodes = ok
  std::array<Counter*, kCodes + 1> verdictKey{};
  std::array<Counter*, kCodes + 1> verdictNone{};
  std::array<Counter*, kTiers.size()> tierHits{};
  Counter* missL1 = nullptr;
  Counter* missL2 = nullptr;
  Counter* rateDenied = &rateLimited.Add({});
  std::array<Counter*, kAdmissions.size()> admissionResults{};
  Counter* spent = &creditsSpent.Add({});

  // route index → status index → counter; unmatched requests under route "unmatched".
  std::map<const http::Route*, std::array<Counter*, kStatuses.size()>> perRoute;
  std::mutex fallbackMu;

  Impl() {
    for (size_t i = 0; i <= kCodes; ++i) {
      const std::string result = i == kCodes ? "ok" : std::string(codeName(static_cast<Code>(i)));
      verdictJwt[i] = &verdicts.Add({{"result", result}, {"type", "jwt"}});
      verdictKey[i] = &verdicts.Add({{"result", result}, {"type", "apiKey"}});
      verdictNone[i] = &verdicts.Add({{"result", result}, {"type", "none"}});
    }
    for (size_t i = 0; i < kTiers.size(); ++i) tierHits[i] = &keyTiers.Add({{"tier", kTiers[i]}});
    for (size_t i = 0; i < kAdmissions.size(); ++i) admissionResults[i] = &admissions.Add({{"result", kAdmissions[i]}});
    missL1 = &keyMisses.Add({{"tier", "l1"}});
    missL2 = &keyMisses.Add({{"tier", "l2"}});
  }

  std::mutex renderMu;

  Counter& requestCounter(const http::HttpRequest& req, const http::Route* route, int status) {
    if (auto it = perRoute.find(route); it != perRoute.end()) {
      for (size_t i = 0; i < kStatuses.size(); ++i) {
        if (kStatuses[i] == status) return *it->second[i];
      }
    }
    std::lock_guard lock(fallbackMu);
    return requests.Add({{"route", route ? route->pattern : "unmatched"},
                         {"method", std::string(http::methodName(req.method))},
                         {"status", std::to_string(status)}});
  }
};

Metrics::Metrics(std::function<Snapshot()> snapshot) : impl_(std::make_unique<Impl>()) {
  impl_->snapshot = std::move(snapshot);
}

Metrics::~Metrics() = default;

void Metrics::registerRoutes(const http::Router& router) {
  for (const auto& r : router.routes()) {
    std::array<Counter*, kStatuses.size()> counters{};
    for (size_t i = 0; i < kStatuses.size(); ++i) {
      counters[i] = &impl_->requests.Add({{"route", r.pattern},
                                          {"method", std::string(http::methodName(r.method))},
                                          {"status", std::to_string(kStatuses[i])}});
    }
    impl_->perRoute[&r] = counters;
  }
  // Unmatched paths: counted under route="unmatched" (bounded label set).
  std::array<Counter*, kStatuses.size()> unmatched{};
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    unmatched[i] =
        &impl_->requests.Add({{"route", "unmatched"}, {"method", "ANY"}, {"status", std::to_string(kStatuses[i])}});
  }
  impl_->perRoute[nullptr] = unmatched;
}

void Metrics::onRequest(const http::HttpRequest& req, const http::Route* route, const http::HttpResponse& res,
                        std::chrono::nanoseconds took) {
  impl_->requestCounter(req, route, res.status).Increment();
  if (route && route->pattern == "/verify") {
    impl_->verifyHistogram->Observe(std::chrono::duration<double>(took).count());
  }
}

void Metrics::onVerdict(const verify::Verdict& v) {
  const size_t index = v.error ? static_cast<size_t>(*v.error) : kCodes;
  if (v.authType == "jwt") impl_->verdictJwt[index]->Increment();
  else if (v.authType == "apiKey" || v.keyTier) impl_->verdictKey[index]->Increment();
  else impl_->verdictNone[index]->Increment();
  if (v.error == Code::kRateLimited) impl_->rateDenied->Increment();
  if (v.admission != verify::AdmissionResult::kNone) {
    impl_->admissionResults[static_cast<size_t>(v.admission) - 1]->Increment();
    if (v.creditsSpent > 0) impl_->spent->Increment(static_cast<double>(v.creditsSpent));
  }
  if (v.keyTier) {
    const auto tier = static_cast<size_t>(*v.keyTier);
    impl_->tierHits[tier]->Increment();
    if (*v.keyTier == verify::KeyTier::kL2 || *v.keyTier == verify::KeyTier::kDatabase) impl_->missL1->Increment();
    if (*v.keyTier == verify::KeyTier::kDatabase) impl_->missL2->Increment();
  }
}

std::string Metrics::render() {
  std::lock_guard lock(impl_->renderMu);  // one scrape at a time: the mirrored counters read-modify-write
  const Snapshot s = impl_->snapshot ? impl_->snapshot() : Snapshot{};
  auto gauge = [this](const char* what, double v) { impl_->gauges.Add({{"what", what}}).Set(v); };
  auto total = [this](const char* what, uint64_t v) {
    auto& c = impl_->totals.Add({{"what", what}});
    c.Increment(static_cast<double>(v) - c.Value());  // mirror a monotonic source counter
  };
  gauge("pg_pool_open", s.pgOpen);
  gauge("pg_pool_size", s.pgSize);
  gauge("redis_pool_open", s.redisOpen);
  gauge("redis_pool_size", s.redisSize);
  gauge("worker_queue", static_cast<double>(s.workerQueue));
  gauge("key_filter_keys", static_cast<double>(s.keyFilterSize));
  gauge("denylist_tokens", static_cast<double>(s.denylistSize));
  gauge("denylist_sessions", static_cast<double>(s.denylistSessions));
  gauge("last_used_pending", static_cast<double>(s.lastUsedPending));
  gauge("usage_pending", static_cast<double>(s.usagePending));
  gauge("invalidation_subscribed", s.invalidationSubscribed ? 1 : 0);
  total("pg_pool_waits", s.pgWaits);
  total("redis_pool_waits", s.redisWaits);
  total("last_used_flush_batches", s.lastUsedBatches);
  total("last_used_flushed_rows", s.lastUsedRows);
  total("last_used_direct_writes", s.lastUsedDirect);
  total("last_used_dropped", s.lastUsedDropped);
  total("usage_rows_recorded", s.usageRowsRecorded);
  total("usage_rows_pushed", s.usageRowsPushed);
  total("usage_rows_flushed", s.usageRowsFlushed);
  total("usage_flush_chunks", s.usageFlushChunks);
  total("usage_dropped", s.usageDropped);
  total("usage_prune_runs", s.usagePruneRuns);
  total("invalidation_polls", s.invalidationPolls);
  total("rate_limit_local_decisions", s.rateLimitLocal);
  total("denylist_prunes", s.denylistPrunes);
  total("denylist_pruned_rows", s.denylistPrunedRows);
  total("credit_flushed_rows", s.creditFlushRows);
  total("credit_flush_failures", s.creditFlushFailures);
  for (const auto& [type, count] : s.eventsWritten) {
    auto& c = impl_->eventsWritten.Add({{"type", std::string(type)}});
    c.Increment(static_cast<double>(count) - c.Value());
  }
  const auto mirror = [](Counter& c, uint64_t v) { c.Increment(static_cast<double>(v) - c.Value()); };
  mirror(impl_->auditPruned.Add({}), s.auditPrunedRows);
  constexpr std::array kThresholds{"7d", "1d", "expired"};  // events::ExpiryThreshold's order
  for (size_t t = 0; t < kThresholds.size(); ++t) {
    mirror(impl_->expiryNotices.Add({{"threshold", kThresholds[t]}}), s.expiryNotices[t]);
  }
  mirror(impl_->webhookDeliveries.Add({{"result", "delivered"}}), s.webhookDelivered);
  mirror(impl_->webhookDeliveries.Add({{"result", "failed_attempt"}}), s.webhookFailedAttempts);
  mirror(impl_->webhookDeliveries.Add({{"result", "failed"}}), s.webhookFailed);
  impl_->webhookQueue.Add({}).Set(static_cast<double>(s.webhookQueueDepth));
  impl_->webhookOldest.Add({}).Set(s.webhookOldestPendingSeconds);

  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace authd::metrics
