#include "app.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/worker_pool.hpp"
#include "http/health_routes.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd {

void setupLogging(const config::Config& cfg) {
  auto logger = spdlog::stdout_logger_mt("authd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(cfg.logLevel));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::flush_on(spdlog::level::info);
}

std::unique_ptr<store::pg::PgPool> makePgPool(const config::Config& cfg, int size) {
  store::pg::PgPoolOptions o;
  o.conninfo = store::pg::makeConninfo(cfg.dbHost, cfg.dbPort, cfg.dbUser, cfg.dbPassword, cfg.dbName,
                                       cfg.dbConnectTimeout, std::chrono::milliseconds(5000));
  o.size = size;
  o.acquireTimeout = cfg.dbAcquireTimeout;
  return std::make_unique<store::pg::PgPool>(std::move(o));
}

struct App::Parts {
  const config::Config& cfg;
  std::unique_ptr<store::pg::PgPool> pg;
  std::unique_ptr<store::redis::RedisPool> redis;
  WorkerPool workers;
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  bool stopped = false;

  explicit Parts(const config::Config& c)
      : cfg(c),
        pg(makePgPool(c, c.dbPoolSize)),
        redis(std::make_unique<store::redis::RedisPool>(store::redis::RedisPoolOptions{
            c.redisHost, c.redisPort, c.redisPassword, c.redisPoolSize, c.redisTimeout, std::chrono::milliseconds(200)})),
        workers(c.workerThreads, 4096) {}
};

App::App(const config::Config& cfg) : parts_(std::make_unique<Parts>(cfg)) {
  auto& p = *parts_;
  http::addHealthRoutes(p.router, {
                                      {"postgres", Code::kDatabaseUnavailable, [&p] { return p.pg->ping(); }},
                                      {"redis", Code::kCacheUnavailable, [&p] { return p.redis->ping(); }},
                                  });
  http::ServerOptions so;
  so.address = cfg.bindAddress;
  so.port = cfg.port;
  so.threads = cfg.httpThreads;
  so.maxRequestSize = cfg.maxBodyBytes + (64 << 10);
  so.headerTimeout = cfg.headerTimeout;
  so.bodyTimeout = cfg.bodyTimeout;
  so.keepaliveTimeout = cfg.keepaliveTimeout;
  p.server = std::make_unique<http::HttpServer>(so, p.router, p.workers);
}

App::~App() { stop(); }

Status App::start() {
  try {
    parts_->server->start();
  } catch (const std::exception& e) {
    return fail(Code::kInternal, "listen on " + parts_->cfg.bindAddress + ":" + std::to_string(parts_->cfg.port) +
                                     ": " + e.what());
  }
  spdlog::info("authd {} listening on {}:{} ({} routes)", AUTHD_VERSION, parts_->cfg.bindAddress, parts_->cfg.port,
               parts_->router.routes().size());
  return {};
}

void App::stop() {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->workers.stop();
  parts_->server->stop();
}

}  // namespace authd
