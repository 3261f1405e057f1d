#include "config/config.hpp"

#include <charconv>
#include <limits>
#include <optional>

#include "core/crypto.hpp"

extern char** environ;

namespace authd::config {
namespace {

// Reads typed values out of the env map, keeping the first error.
class Reader {
 public:
  explicit Reader(const EnvMap& env) : env_(env) {}

  void str(const char* name, std::string& out) {
    if (auto v = raw(name)) out = *v;
  }

  template <typename Int>
  void integer(const char* name, Int& out, int64_t min, int64_t max) {
    auto v = raw(name);
    if (!v) return;
    int64_t n = 0;
    const auto* end = v->data() + v->size();
    auto [ptr, ec] = std::from_chars(v->data(), end, n);
    if (ec != std::errc{} || ptr != end || v->empty() || n < min || n > max) {
      fail(name, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", *v);
      return;
    }
    out = static_cast<Int>(n);
  }

  void millis(const char* name, std::chrono::milliseconds& out, int64_t min, int64_t max) {
    int64_t ms = out.count();
    integer(name, ms, min, max);
    out = std::chrono::milliseconds(ms);
  }

  void seconds(const char* name, std::chrono::seconds& out) {
    auto v = raw(name);
    if (!v) return;
    if (auto d = parseDuration(*v)) {
      out = *d;
    } else {
      fail(name, "expected a duration like 900, 15m, 1h or 7d", *v);
    }
  }

  void flag(const char* name, bool& out) {
    auto v = raw(name);
    if (!v) return;
    if (*v == "1" || *v == "true") out = true;
    else if (*v == "0" || *v == "false" || v->empty()) out = false;
    else fail(name, "expected 1/0 or true/false", *v);
  }

  void oneOf(const char* name, std::string& out, std::initializer_list<std::string_view> allowed) {
    auto v = raw(name);
    if (!v) return;
    for (auto a : allowed) {
      if (*v == a) {
        out = *v;
        return;
      }
    }
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : "|") + std::string(a);
    fail(name, "expected one of " + list, *v);
  }

  void fail(const char* name, const std::string& why, std::string_view got = {}) {
    if (error_) return;
    error_ = std::string(name) + ": " + why;
    // Values of secrets are never echoed.
    if (!got.empty() && std::string_view(name).find("SECRET") == std::string_view::npos &&
        std::string_view(name).find("PASSWORD") == std::string_view::npos) {
      *error_ += ", got '" + std::string(got.substr(0, 64)) + "'";
    }
  }

  const std::optional<std::string>& error() const { return error_; }

 private:
  std::optional<std::string> raw(const char* name) const {
    if (auto it = env_.find(name); it != env_.end()) return it->second;
    return std::nullopt;
  }

  const EnvMap& env_;
  std::optional<std::string> error_;
};

void checkSecret(Reader& r, const Config& c, const char* name, const std::string& secret, bool required) {
  if (secret.empty()) {
    if (required) r.fail(name, "is required (generate one with: openssl rand -hex 32)");
    return;
  }
  if (c.dev) return;
  if (secret.size() < 32) r.fail(name, "must be at least 32 bytes (or set AUTHD_DEV=1 for development)");
  else if (secret == kExampleSecret || secret.find("change-me") != std::string::npos)
    r.fail(name, "is an example value; generate one with: openssl rand -hex 32");
}

// The shape keys::isValidKeyPrefix accepts, `[a-z][a-z0-9]{1,15}_` (config may not include keys/;
// config_test holds the two together).
bool isKeyPrefixShape(std::string_view p) {
  if (p.size() < 3 || p.size() > 17 || p.front() < 'a' || p.front() > 'z' || p.back() != '_') return false;
  for (const char c : p.substr(1, p.size() - 2)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// The shape events::webhookSecretKey accepts with its prefix, "whsec_" + base64 of at least 16 bytes (config may
// not include events/; config_test holds the two together).
bool isWebhookSecretShape(std::string_view s) {
  constexpr std::string_view kPrefix = "whsec_";
  if (!s.starts_with(kPrefix)) return false;
  const auto key = crypto::base64Decode(s.substr(kPrefix.size()));
  return key && key->size() >= 16;
}

// "a.pem, b.pem," → {"a.pem", "b.pem"}: spaces around names and empty items are dropped.
std::vector<std::string> splitPaths(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

// JWT_ALGORITHM and its key files: the current key must be a private key of that algorithm; previous keys
// may be private or public PEMs and sign with their own type's algorithm.
void loadSigningKeys(Reader& r, Config& c, const EnvMap& env) {
  std::string alg = "HS256";
  r.oneOf("JWT_ALGORITHM", alg, {"HS256", "ES256", "EdDSA"});
  c.jwtAlgorithm = crypto::parseJwsAlg(alg).value_or(crypto::JwsAlg::kHs256);
  r.str("JWT_PRIVATE_KEY_FILE", c.jwtPrivateKeyFile);
  if (const auto it = env.find("JWT_PREVIOUS_KEY_FILES"); it != env.end())
    c.jwtPreviousKeyFiles = splitPaths(it->second);
  if (r.error()) return;
  if (c.jwtAlgorithm == crypto::JwsAlg::kHs256) {
    if (!c.jwtPrivateKeyFile.empty())
      r.fail("JWT_PRIVATE_KEY_FILE", "is used only with JWT_ALGORITHM=ES256 or EdDSA (JWT_ALGORITHM is HS256)");
  } else if (c.jwtPrivateKeyFile.empty()) {
    r.fail("JWT_PRIVATE_KEY_FILE", "is required with JWT_ALGORITHM=" + alg + " (generate one with: " +
                                       (c.jwtAlgorithm == crypto::JwsAlg::kEs256
                                            ? "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
                                            : "openssl genpkey -algorithm ED25519") +
                                       " -out key.pem; chmod 600 key.pem)");
  } else if (auto key = crypto::SigningKey::loadPemFile(c.jwtPrivateKeyFile, c.jwtAlgorithm, true); !key) {
    r.fail("JWT_PRIVATE_KEY_FILE", key.error());
  } else {
    c.jwtKey = std::make_shared<const crypto::SigningKey>(std::move(*key));
  }
  for (const auto& path : c.jwtPreviousKeyFiles) {
    if (r.error()) return;
    if (auto key = crypto::SigningKey::loadPemFile(path, std::nullopt, false); !key) {
      r.fail("JWT_PREVIOUS_KEY_FILES", key.error());
    } else {
      c.jwtPreviousKeys.push_back(std::make_shared<const crypto::SigningKey>(std::move(*key)));
    }
  }
}

}  // namespace

std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default:
      if (text.back() < '0' || text.back() > '9') return std::nullopt;
      unit = 0;  // bare number of seconds
  }
  if (unit != 0) text.remove_suffix(1);
  else unit = 1;
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty() || n <= 0) return std::nullopt;
  // Anything past 100 years is a typo, and would overflow time arithmetic in nanoseconds.
  if (n > int64_t{100} * 365 * 86400 / unit) return std::nullopt;
  return std::chrono::seconds(n * unit);
}

std::expected<Config, std::string> load(const EnvMap& env) {
  Config c;
  Reader r(env);
  r.flag("AUTHD_DEV", c.dev);
  r.str("BIND_ADDRESS", c.bindAddress);
  r.integer("PORT", c.port, 1, 65535);
  r.integer("HTTP_THREADS", c.httpThreads, 1, 64);
  r.integer("WORKER_THREADS", c.workerThreads, 1, 256);
  r.integer("WORKER_NICE", c.workerNice, 0, 19);
  r.integer("MAX_BODY_BYTES", c.maxBodyBytes, 1024, 64 << 20);
  r.millis("HTTP_HEADER_TIMEOUT_MS", c.headerTimeout, 100, 600'000);
  r.millis("HTTP_BODY_TIMEOUT_MS", c.bodyTimeout, 100, 600'000);
  r.millis("HTTP_KEEPALIVE_TIMEOUT_MS", c.keepaliveTimeout, 100, 3'600'000);

  r.str("DB_HOST", c.dbHost);
  r.integer("DB_PORT", c.dbPort, 1, 65535);
  r.str("DB_USERNAME", c.dbUser);
  r.str("DB_PASSWORD", c.dbPassword);
  r.str("DB_NAME", c.dbName);
  r.integer("DB_POOL_SIZE", c.dbPoolSize, 1, 512);
  r.millis("DB_CONNECT_TIMEOUT_MS", c.dbConnectTimeout, 100, 60'000);
  r.millis("DB_ACQUIRE_TIMEOUT_MS", c.dbAcquireTimeout, 1, 60'000);

  r.str("REDIS_HOST", c.redisHost);
  r.integer("REDIS_PORT", c.redisPort, 1, 65535);
  r.str("REDIS_PASSWORD", c.redisPassword);
  r.integer("REDIS_POOL_SIZE", c.redisPoolSize, 1, 512);
  r.millis("REDIS_TIMEOUT_MS", c.redisTimeout, 10, 60'000);

  r.str("JWT_SECRET", c.jwtSecret);
  r.seconds("JWT_EXPIRES_IN", c.jwtExpiresIn);
  r.str("JWT_REFRESH_SECRET", c.jwtRefreshSecret);
  r.seconds("JWT_REFRESH_EXPIRES_IN", c.refreshExpiresIn);
  r.str("JWT_ISSUER", c.jwtIssuer);
  loadSigningKeys(r, c, env);

  r.integer("ARGON2_MEMORY_KIB", c.argon2MemoryKiB, 8, 4 << 20);
  r.integer("ARGON2_ITERATIONS", c.argon2Iterations, 1, 64);
  r.integer("ARGON2_PARALLELISM", c.argon2Parallelism, 1, 16);
  if (!c.dev && c.argon2MemoryKiB < 19456)
    r.fail("ARGON2_MEMORY_KIB", "must be at least 19456 (OWASP) outside AUTHD_DEV=1");
  if (!c.dev && c.argon2Iterations < 2) r.fail("ARGON2_ITERATIONS", "must be at least 2 (OWASP) outside AUTHD_DEV=1");

  r.integer("LOGIN_MAX_FAILURES", c.loginMaxFailures, 1, 1'000'000);
  r.integer("LOGIN_MAX_FAILURES_PER_IP", c.loginMaxFailuresPerIp, 1, 1'000'000);
  r.seconds("LOGIN_WINDOW_SECONDS", c.loginWindow);

  r.integer("API_KEY_RATE_LIMIT", c.apiKeyRateLimit, 0, 1'000'000'000);
  r.seconds("API_KEY_RATE_WINDOW", c.apiKeyRateWindow);
  r.integer("USER_RATE_LIMIT", c.userRateLimit, 0, 1'000'000'000);
  r.seconds("USER_RATE_WINDOW", c.userRateWindow);
  r.str("API_KEY_PREFIX", c.apiKeyPrefix);
  if (!isKeyPrefixShape(c.apiKeyPrefix))
    r.fail("API_KEY_PREFIX", "expected a lowercase letter, 1-15 lowercase letters or digits, then '_' (like sk_)",
           c.apiKeyPrefix);
  r.millis("LAST_USED_FLUSH_MS", c.lastUsedFlush, 100, 3'600'000);
  r.millis("INVALIDATION_POLL_MS", c.invalidationPoll, 50, 60'000);
  r.integer("LEAK_REPORT_LIMIT", c.leakReportLimit, 1, 1'000'000);
  r.seconds("LEAK_REPORT_WINDOW", c.leakReportWindow);
  std::string usage = "on";
  r.oneOf("USAGE_COUNTING", usage, {"on", "off"});
  c.usageCounting = usage == "on";
  r.integer("USAGE_RETENTION_DAYS", c.usageRetentionDays, 1, 3650);
  r.integer("USAGE_MAX_PENDING", c.usageMaxPending, 1, 100'000'000);

  r.integer("AUDIT_RETENTION_DAYS", c.auditRetentionDays, 1, 36500);
  r.millis("EXPIRY_SCAN_MS", c.expiryScan, 100, 86'400'000);
  r.str("WEBHOOK_URL", c.webhookUrl);
  r.str("WEBHOOK_SECRET", c.webhookSecret);
  r.str("WEBHOOK_SECRETS_KEY", c.webhookSecretsKey);
  std::string allowPrivate = "0";
  r.oneOf("WEBHOOK_ALLOW_PRIVATE", allowPrivate, {"0", "1"});
  c.webhookAllowPrivate = allowPrivate == "1";
  r.integer("WEBHOOK_MAX_PER_USER", c.webhookMaxPerUser, 1, 1000);
  r.millis("WEBHOOK_TIMEOUT_MS", c.webhookTimeout, 100, 60'000);
  r.seconds("WEBHOOK_RETRY_FOR", c.webhookRetryFor);
  r.integer("WEBHOOK_CONCURRENCY", c.webhookConcurrency, 1, 64);
  if (!c.webhookUrl.empty() && c.webhookSecret.empty()) r.fail("WEBHOOK_SECRET", "must be set with WEBHOOK_URL");
  if (c.webhookUrl.empty() && !c.webhookSecret.empty()) r.fail("WEBHOOK_URL", "must be set with WEBHOOK_SECRET");
  if (!c.webhookSecret.empty() && !isWebhookSecretShape(c.webhookSecret)) {
    r.fail("WEBHOOK_SECRET",
           "must be a Standard Webhooks secret: whsec_ then base64 of at least 16 bytes (generate one with: echo "
           "whsec_$(openssl rand -base64 32))");
  }

  r.oneOf("LOG_LEVEL", c.logLevel, {"trace", "debug", "info", "warn", "error", "off"});
  std::string format = "text";
  r.oneOf("LOG_FORMAT", format, {"text", "json"});
  c.logJson = format == "json";
  r.str("SWAGGER_UI_DIR", c.swaggerUiDir);

  if (c.dbHost.empty()) r.fail("DB_HOST", "must not be empty");
  if (c.redisHost.empty()) r.fail("REDIS_HOST", "must not be empty");
  if (c.jwtIssuer.empty()) r.fail("JWT_ISSUER", "must not be empty");
  checkSecret(r, c, "JWT_SECRET", c.jwtSecret, true);
  checkSecret(r, c, "JWT_REFRESH_SECRET", c.jwtRefreshSecret, false);

  if (r.error()) return std::unexpected(*r.error());
  return c;
}

std::expected<EnvMap, std::string> gatherEnvironment(const std::string& dotenvPath) {
  auto merged = readDotenvFile(dotenvPath);
  if (!merged) return merged;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    merged->insert_or_assign(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return merged;
}

}  // namespace authd::config
