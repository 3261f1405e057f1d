// The running service: owns the pools, stores, services, routes and the HTTP
// server, wired from one Config. main() creates one, starts it, stops it.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "core/error.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd {

namespace http {
class Router;
}

// spdlog: level and format from the config.
void setupLogging(const config::Config& cfg);

// A PostgreSQL pool of `size` connections for this config; `prepare`: prepare authd's
// statements on each connection (needs the migrated schema).
std::unique_ptr<store::pg::PgPool> makePgPool(const config::Config& cfg, int size, bool prepare = false);

class App {
 public:
  explicit App(const config::Config& cfg);
  ~App();
  // Binds the port and starts serving; an error names what failed.
  Status start();
  // Stops accepting, finishes queued work, flushes what is buffered. Idempotent.
  void stop();
  // Every route this instance serves (the OpenAPI drift test reads it; nothing is started).
  const http::Router& router() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace authd
