// Metrics: what each recorded event adds to the Prometheus text, under which
// labels, and how the scrape-time snapshot becomes gauges and mirrored counters.
#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>

namespace authd::metrics {
namespace {

using namespace std::chrono_literals;

// The value of the sample written exactly as `series` (name and labels), or nullopt when absent.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

verify::Verdict verdict(std::optional<Code> error, std::string_view authType,
                        std::optional<verify::KeyTier> tier = std::nullopt) {
  verify::Verdict v;
  v.error = error;
  v.authType = authType;
  v.keyTier = tier;
  return v;
}

http::Handler noop() {
  return [](const http::HttpRequest&) { return http::HttpResponse{}; };
}

http::HttpResponse response(int status) {
  http::HttpResponse r;
  r.status = status;
  return r;
}

http::HttpRequest request(http::Method method) {
  http::HttpRequest r;
  r.method = method;
  return r;
}

// Every fixed series is exposed from the start at zero (/verify outcomes, tiers, gauges), before any event.
TEST(MetricsTest, FamiliesExistBeforeAnyEvent) {
  Metrics m{nullptr};
  const std::string text = m.render();
  for (const char* family :
       {"authd_verify_duration_seconds", "authd_verify_total", "authd_key_cache_lookups_total",
        "authd_key_cache_misses_total", "authd_rate_limited_total", "authd_state", "authd_events_total"}) {
    EXPECT_NE(text.find("# TYPE " + std::string(family) + " "), std::string::npos) << family;
  }
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="ok",type="jwt"})"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="key_expired",type="apiKey"})"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_key_cache_lookups_total{tier="stale"})"), 0.0);
  EXPECT_EQ(sample(text, "authd_rate_limited_total"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="pg_pool_open"})"), 0.0);  // no snapshot: zeros
}

// A verdict is counted by result (ok or the error's code name) and credential type.
TEST(MetricsTest, VerdictsByResultAndType) {
  Metrics m{nullptr};
  m.onVerdict(verdict(std::nullopt, "jwt"));
  m.onVerdict(verdict(std::nullopt, "jwt"));
  m.onVerdict(verdict(std::nullopt, "apiKey", verify::KeyTier::kL1));
  m.onVerdict(verdict(Code::kTokenExpired, ""));
  m.onVerdict(verdict(Code::kMissingCredentials, ""));
  const std::string text = m.render();
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="ok",type="jwt"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="ok",type="apiKey"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="token_expired",type="none"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="missing_credentials",type="none"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="ok",type="none"})"), 0.0);
}

// A refused key (no authType, but a tier was looked up) counts as an apiKey verdict; a rate-limit denial also
// counts in authd_rate_limited_total.
TEST(MetricsTest, RefusedKeysAndRateLimits) {
  Metrics m{nullptr};
  m.onVerdict(verdict(Code::kInvalidKey, "", verify::KeyTier::kFilter));
  m.onVerdict(verdict(Code::kRateLimited, "", verify::KeyTier::kL1));
  m.onVerdict(verdict(Code::kRateLimited, "apiKey"));
  const std::string text = m.render();
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="invalid_key",type="apiKey"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="rate_limited",type="apiKey"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_verify_total{result="invalid_key",type="none"})"), 0.0);
  EXPECT_EQ(sample(text, "authd_rate_limited_total"), 2.0);
}

// A key lookup counts the tier that answered; L2 and database answers were L1 misses, database ones L2 misses too.
TEST(MetricsTest, KeyCacheTiersAndMisses) {
  Metrics m{nullptr};
  m.onVerdict(verdict(std::nullopt, "apiKey", verify::KeyTier::kL1));
  m.onVerdict(verdict(std::nullopt, "apiKey", verify::KeyTier::kL2));
  m.onVerdict(verdict(std::nullopt, "apiKey", verify::KeyTier::kDatabase));
  m.onVerdict(verdict(Code::kInvalidKey, "", verify::KeyTier::kFilter));
  m.onVerdict(verdict(std::nullopt, "apiKey", verify::KeyTier::kStale));
  m.onVerdict(verdict(std::nullopt, "jwt"));
  const std::string text = m.render();
  for (const char* tier : {"filter", "l1", "l2", "database", "stale"}) {
    EXPECT_EQ(sample(text, std::string(R"(authd_key_cache_lookups_total{tier=")") + tier + "\"}"), 1.0) << tier;
  }
  EXPECT_EQ(sample(text, R"(authd_key_cache_misses_total{tier="l1"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_key_cache_misses_total{tier="l2"})"), 1.0);
}

// Requests are counted by route pattern, method and status; unmatched paths under route="unmatched" method="ANY";
// a status outside the pre-created set still counts (under the request's method).
TEST(MetricsTest, RequestsByRouteMethodAndStatus) {
  http::Router router;
  router.add(http::Method::kDelete, "/keys/:id", http::Exec::kWorker, noop());
  router.add(http::Method::kPost, "/auth/login", http::Exec::kWorker, noop());
  Metrics m{nullptr};
  m.registerRoutes(router);
  const http::Route* del = &router.routes()[0];
  const http::Route* login = &router.routes()[1];
  m.onRequest(request(http::Method::kDelete), del, response(200), 1ms);
  m.onRequest(request(http::Method::kDelete), del, response(404), 1ms);
  m.onRequest(request(http::Method::kPost), login, response(429), 1ms);
  m.onRequest(request(http::Method::kPost), login, response(429), 1ms);
  m.onRequest(request(http::Method::kGet), nullptr, response(404), 1ms);
  m.onRequest(request(http::Method::kPost), login, response(418), 1ms);
  const std::string text = m.render();
  EXPECT_EQ(sample(text, R"(authd_http_requests_total{method="DELETE",route="/keys/:id",status="200"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_http_requests_total{method="DELETE",route="/keys/:id",status="404"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_http_requests_total{method="POST",route="/auth/login",status="429"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_http_requests_total{method="POST",route="/auth/login",status="200"})"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_http_requests_total{method="ANY",route="unmatched",status="404"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_http_requests_total{method="POST",route="/auth/login",status="418"})"), 1.0);
}

// Only /verify requests feed the latency histogram, with their duration in seconds.
TEST(MetricsTest, VerifyLatencyHistogram) {
  http::Router router;
  router.add(http::Method::kGet, "/verify", http::Exec::kInline, noop());
  router.add(http::Method::kGet, "/keys", http::Exec::kWorker, noop());
  Metrics m{nullptr};
  m.registerRoutes(router);
  m.onRequest(request(http::Method::kGet), &router.routes()[0], response(200), 200us);
  m.onRequest(request(http::Method::kGet), &router.routes()[0], response(200), 2ms);
  m.onRequest(request(http::Method::kGet), &router.routes()[1], response(200), 3s);
  const std::string text = m.render();
  EXPECT_EQ(sample(text, "authd_verify_duration_seconds_count"), 2.0);
  EXPECT_NEAR(sample(text, "authd_verify_duration_seconds_sum").value_or(-1), 0.0022, 1e-9);
  EXPECT_EQ(sample(text, R"(authd_verify_duration_seconds_bucket{le="0.00025"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_verify_duration_seconds_bucket{le="0.0025"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_verify_duration_seconds_bucket{le="+Inf"})"), 2.0);
}

// The snapshot is read on every scrape: its gauges show the latest values; its counters mirror the source's totals
// (not summed across scrapes) and never go down.
TEST(MetricsTest, SnapshotGaugesAndMirroredCounters) {
  Snapshot s;
  int scrapes = 0;
  Metrics m{[&] {
    ++scrapes;
    return s;
  }};
  s.pgOpen = 3;
  s.pgSize = 8;
  s.redisOpen = 2;
  s.redisSize = 4;
  s.workerQueue = 5;
  s.keyFilterSize = 1000;
  s.denylistSize = 7;
  s.denylistSessions = 2;
  s.lastUsedPending = 9;
  s.invalidationSubscribed = true;
  s.pgWaits = 11;
  s.lastUsedBatches = 4;
  s.lastUsedRows = 40;
  s.invalidationPolls = 6;
  s.denylistPrunedRows = 12;
  s.usagePending = 13;
  s.usageRowsRecorded = 21;
  s.usageRowsPushed = 20;
  s.usageRowsFlushed = 19;
  s.usageFlushChunks = 3;
  s.usageDropped = 2;
  s.usagePruneRuns = 1;
  s.creditFlushRows = 21;
  s.creditFlushFailures = 3;
  std::string text = m.render();
  EXPECT_EQ(scrapes, 1);
  EXPECT_EQ(sample(text, R"(authd_state{what="pg_pool_open"})"), 3.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="pg_pool_size"})"), 8.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="redis_pool_open"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="redis_pool_size"})"), 4.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="worker_queue"})"), 5.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="key_filter_keys"})"), 1000.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="denylist_tokens"})"), 7.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="denylist_sessions"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="last_used_pending"})"), 9.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="invalidation_subscribed"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="pg_pool_waits"})"), 11.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="last_used_flush_batches"})"), 4.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="last_used_flushed_rows"})"), 40.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="invalidation_polls"})"), 6.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="denylist_pruned_rows"})"), 12.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="redis_pool_waits"})"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="usage_pending"})"), 13.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="usage_rows_recorded"})"), 21.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="usage_rows_pushed"})"), 20.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="usage_rows_flushed"})"), 19.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="usage_flush_chunks"})"), 3.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="usage_dropped"})"), 2.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="usage_prune_runs"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="credit_flushed_rows"})"), 21.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="credit_flush_failures"})"), 3.0);

  s.pgOpen = 1;
  s.invalidationSubscribed = false;
  s.pgWaits = 15;
  s.invalidationPolls = 2;  // a source that went backwards: the exported counter holds
  text = m.render();
  EXPECT_EQ(scrapes, 2);
  EXPECT_EQ(sample(text, R"(authd_state{what="pg_pool_open"})"), 1.0);
  EXPECT_EQ(sample(text, R"(authd_state{what="invalidation_subscribed"})"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="pg_pool_waits"})"), 15.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="invalidation_polls"})"), 6.0);
  EXPECT_EQ(sample(text, R"(authd_events_total{what="last_used_flushed_rows"})"), 40.0);
}

// Audit events written are exported by type, mirrored from the stores' tally at each scrape (zeros included).
TEST(MetricsTest, EventsWrittenByType) {
  Snapshot s;
  Metrics m{[&] { return s; }};
  s.eventsWritten = {{"key.created", 3}, {"user.login", 0}};
  std::string text = m.render();
  EXPECT_EQ(sample(text, R"(authd_events_written_total{type="key.created"})"), 3.0);
  EXPECT_EQ(sample(text, R"(authd_events_written_total{type="user.login"})"), 0.0);
  s.eventsWritten = {{"key.created", 5}, {"user.login", 1}};
  text = m.render();
  EXPECT_EQ(sample(text, R"(authd_events_written_total{type="key.created"})"), 5.0);
  EXPECT_EQ(sample(text, R"(authd_events_written_total{type="user.login"})"), 1.0);
}

// The delivery worker's families: attempts by result mirror its counters, the backlog gauges show the last sample.
TEST(MetricsTest, WebhookDeliveryFamilies) {
  Snapshot s;
  Metrics m{[&] { return s; }};
  std::string text = m.render();
  EXPECT_EQ(sample(text, R"(authd_webhook_deliveries_total{result="delivered"})"), 0.0);
  EXPECT_EQ(sample(text, "authd_webhook_queue_depth"), 0.0);
  s.webhookDelivered = 7;
  s.webhookFailedAttempts = 3;
  s.webhookFailed = 1;
  s.webhookQueueDepth = 12;
  s.webhookOldestPendingSeconds = 42.5;
  text = m.render();
  EXPECT_EQ(sample(text, R"(authd_webhook_deliveries_total{result="delivered"})"), 7.0);
  EXPECT_EQ(sample(text, R"(authd_webhook_deliveries_total{result="failed_attempt"})"), 3.0);
  EXPECT_EQ(sample(text, R"(authd_webhook_deliveries_total{result="failed"})"), 1.0);
  EXPECT_EQ(sample(text, "authd_webhook_queue_depth"), 12.0);
  EXPECT_EQ(sample(text, "authd_webhook_oldest_pending_seconds"), 42.5);
  s.webhookQueueDepth = 0;
  s.webhookDelivered = 9;
  text = m.render();
  EXPECT_EQ(sample(text, "authd_webhook_queue_depth"), 0.0);
  EXPECT_EQ(sample(text, R"(authd_webhook_deliveries_total{result="delivered"})"), 9.0);
}

}  // namespace
}  // namespace authd::metrics
