// The stack that scripts/test.sh started (PostgreSQL, Redis, two authd
// instances, nginx), as integration and end-to-end tests see it: addresses and
// secrets read from $AUTHD_TEST_STATE/stack.env, a way to stop and start its
// services, and pools connected to it. Without the stack, tests fail: they
// never pass vacuously.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/pg/pg_pool.hpp"
#include "store/redis/redis_pool.hpp"
#include "support/eventually.hpp"

namespace authd::testing {

struct TestEnv {
  std::string stateDir;     // AUTHD_TEST_STATE
  std::string stackScript;  // AUTHD_TEST_STACK (scripts/stack.sh)

  uint16_t nginxPort = 0;   // NGINX_PORT: the public front
  uint16_t authdPort1 = 0;  // PORT: authd instance 1
  uint16_t authdPort2 = 0;  // PORT + 1: authd instance 2

  std::string dbHost;
  uint16_t dbPort = 0;
  std::string dbUser;
  std::string dbPassword;
  std::string dbName;

  std::string redisHost;
  uint16_t redisPort = 0;
  std::string redisPassword;

  std::string jwtSecret;
  std::string apiKeyPrefix;  // API_KEY_PREFIX: names new keys (authd's default when the stack sets none)

  // The webhook receiver (scripts/webhook-receiver.mjs), which checks signatures with `standardwebhooks`;
  // 0 when the stack runs none. The operator's endpoint (WEBHOOK_URL, WEBHOOK_SECRET) points at it.
  uint16_t receiverPort = 0;  // RECEIVER_PORT
  std::string operatorWebhookUrl;
  std::string operatorWebhookSecret;

  // Port of authd instance n (1-based).
  uint16_t authdPort(int n) const { return static_cast<uint16_t>(authdPort1 + n - 1); }
};

// Loaded once. Throws (so the calling test fails, with the reason) when
// AUTHD_TEST_STATE is unset or its stack.env is missing or incomplete.
const TestEnv& testEnv();

// Runs `bash $AUTHD_TEST_STACK <subcommand> $AUTHD_TEST_STATE <instance>`
// (e.g. "pg-stop", "authd-start"); returns the exit code (-1 if it could not run).
int stack(const std::string& subcommand, int instance = 1);

// The authd binary the stack runs: $AUTHD_BUILD_DIR/authd/authd when set (the sanitized run,
// scripts/test-sanitized.sh, runs this build's suites against build-asan/'s authd), else the one
// built next to this test binary (<build>/tests/../authd/authd).
std::string authdBinary();

// Quotes s for sh: 'it'\''s'.
std::string shellQuote(const std::string& s);

// The settings an authd command line needs to reach the test stack: its database, its Redis and the JWT secret
// (NAME, value), for tests that run the binary in a clean environment.
std::vector<std::pair<std::string, std::string>> stackSettings();

// Pools connected to the test stack's PostgreSQL and Redis, with short
// timeouts so an outage answers quickly.
std::unique_ptr<store::pg::PgPool> makeTestPgPool(int size);
struct TestPgPoolOptions {
  int size = 4;
  bool prepare = false;  // prepare authd's statements on each connection
  std::chrono::milliseconds statementTimeout{5000};
  int port = 0;              // 0: the stack's; another: a PostgreSQL that is not there (an outage)
  std::string searchPath{};  // non-empty: the connections' search_path (a test's own schema first, e.g. "t1,public")
};
std::unique_ptr<store::pg::PgPool> makeTestPgPool(const TestPgPoolOptions& options);
std::unique_ptr<store::redis::RedisPool> makeTestRedisPool(int size);

}  // namespace authd::testing
