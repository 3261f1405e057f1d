#include "app.hpp"

#include "bus_key_events.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "accounts/account_service.hpp"
#include "accounts/login_throttle.hpp"
#include "accounts/password_hasher.hpp"
#include "accounts/password_service.hpp"
#include "accounts/session_service.hpp"
#include "core/logging.hpp"
#include "core/worker_pool.hpp"
#include "delivery/curl_sender.hpp"
#include "events/audit.hpp"
#include "events/delivery_worker.hpp"
#include "events/housekeeper.hpp"
#include "events/secret_box.hpp"
#include "events/webhook_service.hpp"
#include "http/account_routes.hpp"
#include "http/audit_routes.hpp"
#include "http/docs_routes.hpp"
#include "http/health_routes.hpp"
#include "http/jwks_route.hpp"
#include "http/key_routes.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/session_routes.hpp"
#include "http/usage_routes.hpp"
#include "http/verify_route.hpp"
#include "http/webhook_routes.hpp"
#include "keys/key_service.hpp"
#include "keys/usage_service.hpp"
#include "metrics/metrics.hpp"
#include "store/invalidation_bus.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/pg_audit.hpp"
#include "store/pg/pg_deliveries.hpp"
#include "store/pg/pg_expiry_scan.hpp"
#include "store/pg/pg_key_store.hpp"
#include "store/pg/pg_outbox.hpp"
#include "store/pg/pg_revoker.hpp"
#include "store/pg/pg_sessions.hpp"
#include "store/pg/pg_usage_reader.hpp"
#include "store/pg/pg_usage_sink.hpp"
#include "store/pg/pg_webhooks.hpp"
#include "store/redis/redis_admission.hpp"
#include "store/redis/redis_counters.hpp"
#include "store/redis/redis_credit_flush.hpp"
#include "store/redis/redis_key_l2.hpp"
#include "store/redis/redis_last_used.hpp"
#include "store/redis/redis_pool.hpp"
#include "store/redis/redis_usage_queue.hpp"
#include "tokens/access_tokens.hpp"
#include "tokens/denylist.hpp"
#include "tokens/refresh_tokens.hpp"
#include "verify/admission.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/key_cache.hpp"
#include "verify/last_used.hpp"
#include "verify/usage.hpp"
#include "verify/user_status.hpp"
#include "verify/verifier.hpp"

namespace authd {

void setupLogging(const config::Config& cfg) { logging::setup(cfg.logLevel, cfg.logJson); }

std::unique_ptr<store::pg::PgPool> makePgPool(const config::Config& cfg, int size, bool prepare) {
  store::pg::PgPoolOptions o;
  o.conninfo = store::pg::makeConninfo(cfg.dbHost, cfg.dbPort, cfg.dbUser, cfg.dbPassword, cfg.dbName,
                                       cfg.dbConnectTimeout, std::chrono::milliseconds(5000));
  o.size = size;
  o.acquireTimeout = cfg.dbAcquireTimeout;
  if (prepare) o.onConnect = store::pg::prepareStatements;
  return std::make_unique<store::pg::PgPool>(std::move(o));
}

namespace {

// Lapsed logout denials leave memory and PostgreSQL this often.
constexpr std::chrono::seconds kDenylistPruneInterval{60};

}  // namespace

// Everything the running service owns, in construction order (destroyed in reverse).
struct App::Parts {
  const config::Config& cfg;
  SystemClock clock;
  std::unique_ptr<store::pg::PgPool> pg;
  store::redis::RedisPool redis;
  WorkerPool workers;
  store::InvalidationBus bus;
  tokens::Denylist denylist;
  events::WrittenCounts eventsWritten;  // the audit events the stores below write, for /metrics
  store::pg::PgEventWriter eventWriter;

  store::pg::PgUserStore users;
  store::pg::PgRefreshStore refreshStore;
  store::pg::PgSessionStore sessionStore;  // GET /auth/sessions, password change and reset
  store::pg::PgAccessTokenRevoker revoker;
  tokens::DenylistPruner denylistPruner;
  store::redis::RedisWindowedCounter counters;  // login throttling and leak reports
  std::unique_ptr<accounts::PasswordHasher> hasher;
  std::unique_ptr<tokens::AccessTokens> access;
  tokens::RefreshTokens refresh;
  accounts::LoginThrottle throttle;
  accounts::AccountService accounts;
  verify::JwtAuthenticator jwt;

  store::pg::PgKeyStore keyStore;
  store::redis::RedisKeyL2 keyL2;
  verify::KeyCache keyCache;
  verify::UserStatusCache userStatus;
  store::redis::RedisAdmission admissionStore;  // rate limits and credits, one script per request
  verify::Admission admission;
  // Before lastUsed, whose thread runs it as a job until lastUsed stops.
  store::redis::RedisUsageQueue usageQueue;
  store::pg::PgUsageSink usageSink;
  verify::UsageTracker usageTracker;
  store::redis::RedisLastUsedQueue lastUsedQueue;
  verify::LastUsedTracker lastUsed;
  store::redis::RedisCreditFlush creditFlush;  // a job on lastUsed's thread
  verify::NoUsage noUsage;                     // USAGE_COUNTING=off
  verify::Verifier verifier;
  BusKeyEvents keyEvents;
  keys::KeyService keys;
  store::pg::PgUsageReader usageReader;
  keys::UsageService usage;
  // Webhook endpoints: secrets sealed under WEBHOOK_SECRETS_KEY, or JWT_SECRET when it is not set.
  events::SecretBox secretBox;
  store::pg::PgWebhookStore webhookStore;
  events::WebhookService webhooks;
  // Sessions and passwords (issue 17); a reset's token is sealed with the webhook secrets' box.
  accounts::SessionService sessions;
  accounts::PasswordService passwords;

  // The audit log: GET /audit, and its upkeep (retention prune, expiry scan) on the housekeeper's thread.
  store::pg::PgAudit audit;
  events::AuditLog auditLog;
  store::pg::PgExpiryScanner expiryScanner;
  events::Housekeeper housekeeper;

  // Webhook delivery, on a PostgreSQL pool of its own so that it never takes the request path's connections:
  // one connection per sender and one for the claims.
  std::unique_ptr<store::pg::PgPool> deliveryPg;
  store::pg::PgDeliveryStore deliveryStore;
  delivery::CurlSender webhookSender;
  events::DeliveryWorker deliveries;

  metrics::Metrics metrics;
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  bool started = false;
  bool stopped = false;

  // A revoked family (logout, reuse detection, a session ended, a password changed) denies its session's access
  // tokens on every instance.
  void sessionRevoked(const std::string& familyId, int64_t revokedAt) {
    bus.publish(Change{ChangeKind::kSessionRevoked, familyId, tokens::sessionDenialEnd(revokedAt, cfg.jwtExpiresIn)});
  }

  metrics::Snapshot snapshot() const {
    metrics::Snapshot s;
    s.pgOpen = pg->open();
    s.pgSize = pg->size();
    s.pgWaits = pg->waits();
    s.redisOpen = redis.open();
    s.redisSize = redis.options().size;
    s.redisWaits = redis.waits();
    s.lastUsedBatches = lastUsed.flushBatches();
    s.lastUsedRows = lastUsed.flushedRows();
    s.lastUsedDirect = lastUsed.directWrites();
    s.lastUsedDropped = lastUsed.dropped();
    s.lastUsedPending = lastUsed.pending();
    s.usageRowsRecorded = usageTracker.rowsRecorded();
    s.usageRowsPushed = usageTracker.rowsPushed();
    s.usageRowsFlushed = usageTracker.rowsFlushed();
    s.usageFlushChunks = usageTracker.flushChunks();
    s.usageDropped = usageTracker.dropped();
    s.usagePruneRuns = usageTracker.pruneRuns();
    s.usagePending = usageTracker.pending();
    s.workerQueue = workers.queued();
    s.keyFilterSize = keyCache.filter().size();
    s.denylistSize = denylist.tokens();
    s.denylistSessions = denylist.sessions();
    s.denylistPrunes = denylistPruner.runs();
    s.denylistPrunedRows = denylistPruner.storeRowsPruned();
    s.invalidationSubscribed = bus.subscribed();
    s.invalidationPolls = bus.polls();
    s.rateLimitLocal = admission.localDecisions();
    s.creditFlushRows = creditFlush.flushedRows();
    s.creditFlushFailures = creditFlush.failures();
    s.eventsWritten = eventsWritten.snapshot();
    s.auditPrunedRows = housekeeper.prunedRows();
    for (size_t t = 0; t < events::kExpiryThresholdCount; ++t) {
      s.expiryNotices[t] = housekeeper.notices(static_cast<events::ExpiryThreshold>(t));
    }
    s.webhookDelivered = deliveries.delivered();
    s.webhookFailedAttempts = deliveries.failedAttempts();
    s.webhookFailed = deliveries.failed();
    s.webhookQueueDepth = deliveries.queueDepth();
    s.webhookOldestPendingSeconds = deliveries.oldestPendingSeconds();
    return s;
  }

  explicit Parts(const config::Config& c)
      : cfg(c),
        pg(makePgPool(c, c.dbPoolSize, true)),
        redis({c.redisHost, c.redisPort, c.redisPassword, c.redisPoolSize, c.redisTimeout,
               std::chrono::milliseconds(200)}),
        workers(c.workerThreads, 4096, c.workerNice),
        bus(*pg, redis, clock, c.invalidationPoll, c.jwtExpiresIn),
        eventWriter(*pg, eventsWritten),
        users(*pg, eventsWritten),
        // A revoked family (logout, reuse detection) denies its session's access tokens on every instance.
        refreshStore(*pg, eventsWritten, [this](const std::string& id, int64_t at) { sessionRevoked(id, at); }),
        sessionStore(*pg, eventsWritten, [this](const std::string& id, int64_t at) { sessionRevoked(id, at); }),
        revoker(*pg, bus, c.jwtExpiresIn, eventsWritten),
        denylistPruner(denylist, revoker, clock, kDenylistPruneInterval),
        counters(redis),
        hasher(accounts::PasswordHasher::createArgon2id({c.argon2MemoryKiB, c.argon2Iterations, c.argon2Parallelism})),
        access(tokens::AccessTokens::create({c.jwtSecret, c.jwtKey, c.jwtPreviousKeys}, c.jwtIssuer, c.jwtExpiresIn,
                                            clock)),
        refresh(refreshStore, clock, c.refreshExpiresIn),
        throttle(counters, {c.loginMaxFailures, c.loginMaxFailuresPerIp, c.loginWindow}),
        accounts(users, *hasher, *access, refresh, throttle, revoker, eventWriter),
        jwt(*access, denylist, clock),
        keyStore(*pg, eventsWritten),
        keyL2(redis),
        keyCache(keyStore, keyL2, clock, {}, [this] { return bus.subscribed(); }),
        userStatus(users, clock, 100'000, std::chrono::seconds(60), std::chrono::hours(1)),
        admissionStore(redis),
        admission(admissionStore),
        usageQueue(redis),
        usageSink(*pg),
        usageTracker(usageQueue, usageSink, clock,
                     {.maxPending = static_cast<size_t>(c.usageMaxPending), .retentionDays = c.usageRetentionDays}),
        lastUsedQueue(redis),
        lastUsed(lastUsedQueue, keyStore, clock, {std::chrono::milliseconds(250), c.lastUsedFlush, 5000, 1'000'000}),
        creditFlush(redis, keyStore),
        verifier(jwt, keyCache, userStatus, admission, lastUsed,
                 c.usageCounting ? static_cast<verify::UsageRecorder&>(usageTracker) : noUsage, clock,
                 {keys::RateLimit{c.apiKeyRateLimit, c.apiKeyRateWindow.count()},
                  keys::RateLimit{c.userRateLimit, c.userRateWindow.count()}}),
        keyEvents(bus, &keyCache),
        keys(keyStore, keyEvents, counters, {c.leakReportLimit, c.leakReportWindow}, c.apiKeyPrefix),
        usageReader(*pg),
        usage(keyStore, usageReader),
        secretBox(config::webhookSecretsKeyMaterial(c)),
        webhookStore(*pg, eventsWritten),
        webhooks(webhookStore, secretBox, {c.webhookAllowPrivate, c.webhookMaxPerUser}),
        sessions(sessionStore),
        passwords(
            users, sessionStore, *hasher, throttle, counters, secretBox, clock,
            {.ttl = std::chrono::minutes(15), .limitPerAddress = c.leakReportLimit, .window = c.leakReportWindow}),
        audit(*pg),
        auditLog(audit),
        expiryScanner(*pg, eventsWritten),
        housekeeper(audit, expiryScanner, clock, {.retentionDays = c.auditRetentionDays, .scanEvery = c.expiryScan}),
        deliveryPg(makePgPool(c, static_cast<int>(c.webhookConcurrency) + 1, true)),
        deliveryStore(*deliveryPg),
        webhookSender({.allowPrivate = c.webhookAllowPrivate}),
        deliveries(deliveryStore, webhookSender, secretBox, clock,
                   {.concurrency = static_cast<int>(c.webhookConcurrency),
                    .timeout = c.webhookTimeout,
                    .retryFor = c.webhookRetryFor}),
        metrics([this] { return snapshot(); }) {
    bus.addListener(&denylist);
    bus.addListener(&keyCache);
    bus.addListener(&userStatus);
    // Off: nothing is recorded, so the job has nothing to push; its flush still drains what other
    // instances queued and keeps the retention prune running.
    lastUsed.addJob(usageTracker);
    lastUsed.addJob(creditFlush);
  }
};

App::App(const config::Config& cfg) : parts_(std::make_unique<Parts>(cfg)) {
  auto& p = *parts_;
  http::addHealthRoutes(p.router, {
                                      {"postgres", Code::kDatabaseUnavailable, [&p] { return p.pg->ping(); }},
                                      {"redis", Code::kCacheUnavailable, [&p] { return p.redis.ping(); }},
                                  });
  http::addJwksRoute(p.router, *p.access);
  http::addAccountRoutes(p.router, p.accounts, p.jwt);
  http::addSessionRoutes(p.router, p.sessions, p.passwords, p.jwt, p.userStatus);
  http::addKeyRoutes(p.router, p.keys, p.jwt, p.userStatus, p.clock);
  http::addUsageRoutes(p.router, p.usage, p.jwt, p.userStatus, p.clock);
  http::addAuditRoutes(p.router, p.auditLog, p.jwt, p.userStatus);
  http::addWebhookRoutes(p.router, p.webhooks, p.jwt, p.userStatus);
  http::addVerifyRoute(p.router, p.verifier, [&p](const verify::Verdict& v) { p.metrics.onVerdict(v); });
  // Prometheus text; deliberately not proxied by the public nginx server.
  p.router.add(http::Method::kGet, "/metrics", http::Exec::kWorker, [&p](const http::HttpRequest&) {
    http::HttpResponse r;
    r.body = p.metrics.render();
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
  http::addDocsRoutes(p.router, http::loadDocsAssets(cfg.swaggerUiDir));
  p.metrics.registerRoutes(p.router);

  http::ServerOptions so;
  so.address = cfg.bindAddress;
  so.port = cfg.port;
  so.threads = cfg.httpThreads;
  so.maxBodyBytes = cfg.maxBodyBytes;
  // Pistache's buffer: room for headers on top of the largest body, and a margin so bodies
  // somewhat over the limit still get authd's JSON 413 (far larger ones get Pistache's own).
  so.maxRequestSize = 2 * cfg.maxBodyBytes + (64 << 10);
  so.headerTimeout = cfg.headerTimeout;
  so.bodyTimeout = cfg.bodyTimeout;
  so.keepaliveTimeout = cfg.keepaliveTimeout;
  so.jsonLogs = cfg.logJson;
  p.server = std::make_unique<http::HttpServer>(
      so, p.router, p.workers,
      [&p](const http::HttpRequest& req, const http::Route* route, const http::HttpResponse& res,
           std::chrono::nanoseconds took) { p.metrics.onRequest(req, route, res, took); });
}

App::~App() { stop(); }

const http::Router& App::router() const { return parts_->router; }

Status App::start() {
  auto& p = *parts_;
  // WEBHOOK_URL's endpoint (or none): refused before anything else starts when its URL is not allowed.
  if (auto s = p.webhooks.configureOperator(p.cfg.webhookUrl, p.cfg.webhookSecret); !s) {
    return fail(s.error().code, "cannot set up the operator's webhook: " + s.error().message);
  }
  if (!p.cfg.webhookUrl.empty()) spdlog::info("operator webhook endpoint set from WEBHOOK_URL");
  if (auto s = p.keyCache.loadFilter([&p](const auto& sink) { return p.keyStore.forEachHashPrefix(sink); }); !s) {
    return fail(Code::kDatabaseUnavailable, "cannot load the key filter: " + s.error().message);
  }
  spdlog::info("key filter loaded: {} keys", p.keyCache.filter().size());
  p.bus.start();
  p.denylistPruner.start();
  p.lastUsed.start();
  p.housekeeper.start();
  p.deliveries.start();
  try {
    p.server->start();
  } catch (const std::exception& e) {
    return fail(Code::kInternal, "listen on " + p.cfg.bindAddress + ":" + std::to_string(p.cfg.port) + ": " + e.what());
  }
  p.started = true;
  spdlog::info("authd {} listening on {}:{} ({} routes)", AUTHD_VERSION, p.cfg.bindAddress, p.cfg.port,
               p.router.routes().size());
  return {};
}

void App::stop() {
  auto& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  // Drain: requests handed to the worker pool get their answers before connections close
  // (inline ones finish on their I/O thread). Bounded, so a stuck dependency cannot hold the exit.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (p.server->inFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (p.server->inFlight() > 0) spdlog::warn("stopping with {} requests still in flight", p.server->inFlight());
  p.server->stop();
  p.workers.stop();
  p.deliveries.stop();  // sends in flight are cut short and left to their lease
  p.lastUsed.stop();    // pushes and flushes what is buffered
  p.bus.stop();
  p.denylistPruner.stop();
  p.housekeeper.stop();
  spdlog::default_logger()->flush();
}

}  // namespace authd
