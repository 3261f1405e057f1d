// authd's configuration: every setting, read once at start from the process
// environment and an optional .env file (the environment wins), validated,
// then passed by const reference. A bad value is one line naming the variable.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/dotenv.hpp"
#include "core/signing_key.hpp"

namespace authd::config {

struct Config {
  // HTTP server.
  std::string bindAddress = "127.0.0.1";               // BIND_ADDRESS
  uint16_t port = 8081;                                // PORT
  int httpThreads = 2;                                 // HTTP_THREADS: Pistache I/O threads
  int workerThreads = 4;                               // WORKER_THREADS: blocking work (argon2, SQL writes)
  int workerNice = 19;                                 // WORKER_NICE: the workers' nice value; /verify comes first
  size_t maxBodyBytes = 1 << 20;                       // MAX_BODY_BYTES: larger bodies answer 413
  std::chrono::milliseconds headerTimeout{10'000};     // HTTP_HEADER_TIMEOUT_MS
  std::chrono::milliseconds bodyTimeout{10'000};       // HTTP_BODY_TIMEOUT_MS
  std::chrono::milliseconds keepaliveTimeout{75'000};  // HTTP_KEEPALIVE_TIMEOUT_MS

  // PostgreSQL.
  std::string dbHost = "127.0.0.1";                   // DB_HOST
  uint16_t dbPort = 5432;                             // DB_PORT
  std::string dbUser = "authd";                       // DB_USERNAME
  std::string dbPassword;                             // DB_PASSWORD
  std::string dbName = "authd";                       // DB_NAME
  int dbPoolSize = 8;                                 // DB_POOL_SIZE
  std::chrono::milliseconds dbConnectTimeout{2'000};  // DB_CONNECT_TIMEOUT_MS
  std::chrono::milliseconds dbAcquireTimeout{2'000};  // DB_ACQUIRE_TIMEOUT_MS

  // Redis.
  std::string redisHost = "127.0.0.1";          // REDIS_HOST
  uint16_t redisPort = 6379;                    // REDIS_PORT
  std::string redisPassword;                    // REDIS_PASSWORD
  int redisPoolSize = 8;                        // REDIS_POOL_SIZE
  std::chrono::milliseconds redisTimeout{500};  // REDIS_TIMEOUT_MS: connect and command

  // Tokens.
  std::string jwtSecret;                             // JWT_SECRET (required)
  std::chrono::seconds jwtExpiresIn{3600};           // JWT_EXPIRES_IN
  std::string jwtRefreshSecret;                      // JWT_REFRESH_SECRET (optional)
  std::chrono::seconds refreshExpiresIn{7 * 86400};  // JWT_REFRESH_EXPIRES_IN
  std::string jwtIssuer = "authd";                   // JWT_ISSUER
  // Access-token signing (README "Signing keys"): the keys are read and checked by load(), so a bad key
  // file stops start-up with one line naming it.
  crypto::JwsAlg jwtAlgorithm = crypto::JwsAlg::kHs256;  // JWT_ALGORITHM: HS256|ES256|EdDSA
  std::string jwtPrivateKeyFile;                         // JWT_PRIVATE_KEY_FILE: PEM, required for ES256/EdDSA
  std::vector<std::string> jwtPreviousKeyFiles;          // JWT_PREVIOUS_KEY_FILES: comma-separated PEM paths
  std::shared_ptr<const crypto::SigningKey> jwtKey;      // JWT_PRIVATE_KEY_FILE's key; null under HS256
  std::vector<std::shared_ptr<const crypto::SigningKey>> jwtPreviousKeys;  // in JWT_PREVIOUS_KEY_FILES' order

  // Passwords: argon2id, OWASP minimums (m=19 MiB, t=2) enforced outside dev.
  uint32_t argon2MemoryKiB = 19456;  // ARGON2_MEMORY_KIB
  uint32_t argon2Iterations = 2;     // ARGON2_ITERATIONS
  uint32_t argon2Parallelism = 1;    // ARGON2_PARALLELISM

  // Login throttling.
  int loginMaxFailures = 5;               // LOGIN_MAX_FAILURES: per email
  int loginMaxFailuresPerIp = 50;         // LOGIN_MAX_FAILURES_PER_IP: per client address
  std::chrono::seconds loginWindow{900};  // LOGIN_WINDOW_SECONDS

  // API keys.
  int64_t apiKeyRateLimit = 0;                      // API_KEY_RATE_LIMIT: requests per window, 0 = unlimited
  std::chrono::seconds apiKeyRateWindow{60};        // API_KEY_RATE_WINDOW
  int64_t userRateLimit = 0;                        // USER_RATE_LIMIT: a user's requests per window, 0 = none
  std::chrono::seconds userRateWindow{60};          // USER_RATE_WINDOW
  std::string apiKeyPrefix = "sk_";                 // API_KEY_PREFIX: names new keys, [a-z][a-z0-9]{1,15}_
  std::chrono::milliseconds lastUsedFlush{5000};    // LAST_USED_FLUSH_MS
  std::chrono::milliseconds invalidationPoll{500};  // INVALIDATION_POLL_MS: PostgreSQL change poll
  int64_t leakReportLimit = 10;                     // LEAK_REPORT_LIMIT: leak reports per client address per window
  std::chrono::seconds leakReportWindow{60};        // LEAK_REPORT_WINDOW

  // Usage counting (per key, per minute, by outcome).
  bool usageCounting = true;          // USAGE_COUNTING: on|off
  int64_t usageRetentionDays = 90;    // USAGE_RETENTION_DAYS: key_usage rows older than this are pruned
  int64_t usageMaxPending = 500'000;  // USAGE_MAX_PENDING: rows kept in memory (retries included)

  // Events: the audit log and webhooks.
  int64_t auditRetentionDays = 365;              // AUDIT_RETENTION_DAYS: events older than this are pruned
  std::chrono::milliseconds expiryScan{60'000};  // EXPIRY_SCAN_MS: how often key.expiring/key.expired are looked for
  std::string webhookUrl;                        // WEBHOOK_URL: the operator's endpoint (every event); empty = none
  std::string webhookSecret;         // WEBHOOK_SECRET: its signing secret (whsec_…), required with the URL
  std::string webhookSecretsKey;     // WEBHOOK_SECRETS_KEY: encrypts stored secrets; empty = from JWT_SECRET
  bool webhookAllowPrivate = false;  // WEBHOOK_ALLOW_PRIVATE=1: allow loopback/private targets (tests)
  int64_t webhookMaxPerUser = 10;    // WEBHOOK_MAX_PER_USER: a user's live endpoints
  std::chrono::milliseconds webhookTimeout{5000};  // WEBHOOK_TIMEOUT_MS: one attempt, connect to last byte
  std::chrono::seconds webhookRetryFor{86'400};    // WEBHOOK_RETRY_FOR: retries stop (failed) this long after the event
  int64_t webhookConcurrency = 4;                  // WEBHOOK_CONCURRENCY: attempts in flight per instance

  // Logs.
  std::string logLevel = "info";  // LOG_LEVEL: trace|debug|info|warn|error|off
  bool logJson = false;           // LOG_FORMAT: text|json

  // Operator docs: the npm package swagger-ui-dist's folder; empty = /api/docs answers 404.
  std::string swaggerUiDir;  // SWAGGER_UI_DIR

  bool dev = false;  // AUTHD_DEV=1 allows weak secrets; never in production
};

// The example secret from the original service's README; refused outside dev.
inline constexpr std::string_view kExampleSecret = "your-secret-key";

// Builds and validates a Config from `env` (names as above). The error is one
// line that names the variable, e.g. "DB_PORT: expected a port (1-65535), got 'abc'".
std::expected<Config, std::string> load(const EnvMap& env);

// The environment of this process merged over the .env file at `dotenvPath`.
std::expected<EnvMap, std::string> gatherEnvironment(const std::string& dotenvPath);

// What stored webhook secrets are sealed under (events::SecretBox): WEBHOOK_SECRETS_KEY, or JWT_SECRET when it is
// not set. Changing it makes every stored secret unreadable (README "Webhooks").
inline const std::string& webhookSecretsKeyMaterial(const Config& c) {
  return c.webhookSecretsKey.empty() ? c.jwtSecret : c.webhookSecretsKey;
}

// "900", "30s", "15m", "1h", "7d" → seconds; nullopt when malformed or <= 0.
std::optional<std::chrono::seconds> parseDuration(std::string_view text);

}  // namespace authd::config
