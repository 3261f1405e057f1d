#include "config/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "events/signature.hpp"
#include "keys/api_key.hpp"
#include "unit/test_keys.hpp"

namespace authd::config {
namespace {

using namespace std::chrono_literals;

// 64 hex characters: what `openssl rand -hex 32` prints.
const std::string kGoodSecret = "3f1c9a7e5b2d4c6f8a0b1d3e5f7a9c2b4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a";

// An environment with only the required JWT_SECRET, plus `extra`.
EnvMap envWith(std::initializer_list<std::pair<const std::string, std::string>> extra = {}) {
  EnvMap env{{"JWT_SECRET", kGoodSecret}};
  for (const auto& [k, v] : extra) env.insert_or_assign(k, v);
  return env;
}

// Loads a config that must be valid.
Config loadOk(const EnvMap& env) {
  auto r = load(env);
  EXPECT_TRUE(r) << (r ? "" : r.error());
  return r ? *r : Config{};
}

// Loads a config that must be refused and returns the error.
std::string loadError(const EnvMap& env) {
  auto r = load(env);
  EXPECT_FALSE(r);
  return r ? std::string{} : r.error();
}

// With only JWT_SECRET set, every setting takes its documented default.
TEST(ConfigTest, DefaultsWithOnlyJwtSecret) {
  const Config c = loadOk(envWith());
  EXPECT_EQ(c.bindAddress, "127.0.0.1");
  EXPECT_EQ(c.port, 8081);
  EXPECT_EQ(c.httpThreads, 2);
  EXPECT_EQ(c.workerThreads, 4);
  EXPECT_EQ(c.workerNice, 19);
  EXPECT_EQ(c.maxBodyBytes, 1u << 20);
  EXPECT_EQ(c.headerTimeout, 10'000ms);
  EXPECT_EQ(c.bodyTimeout, 10'000ms);
  EXPECT_EQ(c.keepaliveTimeout, 75'000ms);
  EXPECT_EQ(c.dbHost, "127.0.0.1");
  EXPECT_EQ(c.dbPort, 5432);
  EXPECT_EQ(c.dbUser, "authd");
  EXPECT_EQ(c.dbPassword, "");
  EXPECT_EQ(c.dbName, "authd");
  EXPECT_EQ(c.dbPoolSize, 8);
  EXPECT_EQ(c.dbConnectTimeout, 2'000ms);
  EXPECT_EQ(c.dbAcquireTimeout, 2'000ms);
  EXPECT_EQ(c.redisHost, "127.0.0.1");
  EXPECT_EQ(c.redisPort, 6379);
  EXPECT_EQ(c.redisPassword, "");
  EXPECT_EQ(c.redisPoolSize, 8);
  EXPECT_EQ(c.redisTimeout, 500ms);
  EXPECT_EQ(c.jwtSecret, kGoodSecret);
  EXPECT_EQ(c.jwtExpiresIn, 3600s);
  EXPECT_EQ(c.jwtRefreshSecret, "");
  EXPECT_EQ(c.refreshExpiresIn, std::chrono::seconds(7 * 86400));
  EXPECT_EQ(c.jwtIssuer, "authd");
  EXPECT_EQ(c.argon2MemoryKiB, 19456u);
  EXPECT_EQ(c.argon2Iterations, 2u);
  EXPECT_EQ(c.argon2Parallelism, 1u);
  EXPECT_EQ(c.loginMaxFailures, 5);
  EXPECT_EQ(c.loginMaxFailuresPerIp, 50);
  EXPECT_EQ(c.loginWindow, 900s);
  EXPECT_EQ(c.apiKeyRateLimit, 0);
  EXPECT_EQ(c.apiKeyRateWindow, 60s);
  EXPECT_EQ(c.userRateLimit, 0);
  EXPECT_EQ(c.userRateWindow, 60s);
  EXPECT_EQ(c.lastUsedFlush, 5000ms);
  EXPECT_EQ(c.invalidationPoll, 500ms);
  EXPECT_EQ(c.logLevel, "info");
  EXPECT_FALSE(c.logJson);
  EXPECT_FALSE(c.dev);
}

// Values given in the environment replace the defaults, with their types.
TEST(ConfigTest, ReadsGivenValues) {
  const Config c = loadOk(envWith({{"BIND_ADDRESS", "0.0.0.0"},
                                   {"PORT", "9000"},
                                   {"DB_HOST", "db.internal"},
                                   {"DB_PORT", "6543"},
                                   {"DB_USERNAME", "svc"},
                                   {"DB_PASSWORD", "pw"},
                                   {"DB_NAME", "auth"},
                                   {"REDIS_PORT", "6380"},
                                   {"HTTP_HEADER_TIMEOUT_MS", "2500"},
                                   {"MAX_BODY_BYTES", "4096"},
                                   {"API_KEY_RATE_LIMIT", "1000"},
                                   {"USER_RATE_LIMIT", "5000"},
                                   {"USER_RATE_WINDOW", "1h"},
                                   {"JWT_EXPIRES_IN", "15m"},
                                   {"JWT_ISSUER", "me"}}));
  EXPECT_EQ(c.bindAddress, "0.0.0.0");
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.dbHost, "db.internal");
  EXPECT_EQ(c.dbPort, 6543);
  EXPECT_EQ(c.dbUser, "svc");
  EXPECT_EQ(c.dbPassword, "pw");
  EXPECT_EQ(c.dbName, "auth");
  EXPECT_EQ(c.redisPort, 6380);
  EXPECT_EQ(c.headerTimeout, 2500ms);
  EXPECT_EQ(c.maxBodyBytes, 4096u);
  EXPECT_EQ(c.apiKeyRateLimit, 1000);
  EXPECT_EQ(c.userRateLimit, 5000);
  EXPECT_EQ(c.userRateWindow, 3600s);
  EXPECT_EQ(c.jwtExpiresIn, 900s);
  EXPECT_EQ(c.jwtIssuer, "me");
}

// Every integer setting with its accepted range, as documented in config.cpp.
struct IntVar {
  const char* name;
  int64_t min;
  int64_t max;
};
const std::vector<IntVar> kIntVars{
    {"PORT", 1, 65535},
    {"HTTP_THREADS", 1, 64},
    {"WORKER_THREADS", 1, 256},
    {"WORKER_NICE", 0, 19},
    {"MAX_BODY_BYTES", 1024, 64 << 20},
    {"HTTP_HEADER_TIMEOUT_MS", 100, 600'000},
    {"HTTP_BODY_TIMEOUT_MS", 100, 600'000},
    {"HTTP_KEEPALIVE_TIMEOUT_MS", 100, 3'600'000},
    {"DB_PORT", 1, 65535},
    {"DB_POOL_SIZE", 1, 512},
    {"DB_CONNECT_TIMEOUT_MS", 100, 60'000},
    {"DB_ACQUIRE_TIMEOUT_MS", 1, 60'000},
    {"REDIS_PORT", 1, 65535},
    {"REDIS_POOL_SIZE", 1, 512},
    {"REDIS_TIMEOUT_MS", 10, 60'000},
    {"ARGON2_MEMORY_KIB", 8, 4 << 20},
    {"ARGON2_ITERATIONS", 1, 64},
    {"ARGON2_PARALLELISM", 1, 16},
    {"LOGIN_MAX_FAILURES", 1, 1'000'000},
    {"LOGIN_MAX_FAILURES_PER_IP", 1, 1'000'000},
    {"API_KEY_RATE_LIMIT", 0, 1'000'000'000},
    {"USER_RATE_LIMIT", 0, 1'000'000'000},
    {"LAST_USED_FLUSH_MS", 100, 3'600'000},
    {"INVALIDATION_POLL_MS", 50, 60'000},
};

// Every integer setting refuses non-numbers, empty, signs, fractions, spaces and
// out-of-range values, and the error starts with the variable's name.
TEST(ConfigTest, EveryIntegerRejectsBadValues) {
  for (const auto& var : kIntVars) {
    const std::string prefix = std::string(var.name) + ": ";
    for (const std::string& bad :
         {std::string("abc"), std::string(""), std::string("12abc"), std::string("1.5"), std::string(" 5"),
          std::string("+5"), std::string("0x10"), std::to_string(var.min - 1), std::to_string(var.max + 1),
          std::string("99999999999999999999999")}) {
      const std::string err = loadError(envWith({{var.name, bad}}));
      EXPECT_TRUE(err.starts_with(prefix)) << var.name << "='" << bad << "' -> " << err;
    }
  }
}

// Every integer setting accepts both ends of its range (in dev mode, which lowers
// the argon2 minimums to the parser's own).
TEST(ConfigTest, EveryIntegerAcceptsItsBounds) {
  for (const auto& var : kIntVars) {
    for (int64_t v : {var.min, var.max}) {
      auto r = load(envWith({{var.name, std::to_string(v)}, {"AUTHD_DEV", "1"}}));
      EXPECT_TRUE(r) << var.name << "=" << v << " -> " << (r ? "" : r.error());
    }
  }
}

// Outside dev, argon2 settings below the OWASP minimums (19456 KiB, 2 passes) are refused.
TEST(ConfigTest, Argon2OwaspMinimumsOutsideDev) {
  EXPECT_TRUE(loadError(envWith({{"ARGON2_MEMORY_KIB", "19455"}})).starts_with("ARGON2_MEMORY_KIB: "));
  EXPECT_TRUE(loadError(envWith({{"ARGON2_ITERATIONS", "1"}})).starts_with("ARGON2_ITERATIONS: "));
  EXPECT_EQ(loadOk(envWith({{"ARGON2_MEMORY_KIB", "19456"}, {"ARGON2_ITERATIONS", "2"}})).argon2MemoryKiB, 19456u);
  const Config dev = loadOk(envWith({{"ARGON2_MEMORY_KIB", "8"}, {"ARGON2_ITERATIONS", "1"}, {"AUTHD_DEV", "1"}}));
  EXPECT_EQ(dev.argon2MemoryKiB, 8u);
  EXPECT_EQ(dev.argon2Iterations, 1u);
}

// Ports refuse 0, 99999 and -1 (not truncated into uint16_t).
TEST(ConfigTest, PortsRejectOutOfRange) {
  for (const char* name : {"PORT", "DB_PORT", "REDIS_PORT"}) {
    for (const char* bad : {"0", "99999", "65536", "-1"}) {
      const std::string err = loadError(envWith({{name, bad}}));
      EXPECT_TRUE(err.starts_with(std::string(name) + ": ")) << name << "=" << bad << " -> " << err;
    }
  }
}

// DB_PORT=abc: the one-line error names the variable first and quotes the bad value.
TEST(ConfigTest, DbPortAbcErrorNamesVariable) {
  const std::string err = loadError(envWith({{"DB_PORT", "abc"}}));
  EXPECT_TRUE(err.starts_with("DB_PORT: ")) << err;
  EXPECT_NE(err.find("'abc'"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

// Every duration setting accepts bare seconds and s/m/h/d suffixes.
TEST(ConfigTest, DurationsAcceptUnits) {
  for (const char* name : {"JWT_EXPIRES_IN", "JWT_REFRESH_EXPIRES_IN", "LOGIN_WINDOW_SECONDS", "API_KEY_RATE_WINDOW",
                           "USER_RATE_WINDOW"}) {
    const std::pair<const char*, std::chrono::seconds> cases[] = {
        {"900", 900s}, {"15m", 900s}, {"1h", 3600s}, {"7d", 7 * 86400s}, {"30s", 30s}};
    for (const auto& [text, want] : cases) {
      const Config c = loadOk(envWith({{name, text}}));
      const std::string n(name);
      const auto got = n == "JWT_EXPIRES_IN"           ? c.jwtExpiresIn
                       : n == "JWT_REFRESH_EXPIRES_IN" ? c.refreshExpiresIn
                       : n == "LOGIN_WINDOW_SECONDS"   ? c.loginWindow
                       : n == "USER_RATE_WINDOW"       ? c.userRateWindow
                                                       : c.apiKeyRateWindow;
      EXPECT_EQ(got, want) << name << "=" << text;
    }
  }
}

// Every duration setting refuses zero, negatives, unknown units, a bare unit,
// fractions, empty and overflow, with an error naming the variable.
TEST(ConfigTest, DurationsRejectBadValues) {
  for (const char* name : {"JWT_EXPIRES_IN", "JWT_REFRESH_EXPIRES_IN", "LOGIN_WINDOW_SECONDS", "API_KEY_RATE_WINDOW",
                           "USER_RATE_WINDOW"}) {
    for (const char* bad :
         {"0", "0s", "-5m", "1w", "m", "1.5h", "", "abc", "99999999999999999999d", "9223372036854775807"}) {
      const std::string err = loadError(envWith({{name, bad}}));
      EXPECT_TRUE(err.starts_with(std::string(name) + ": ")) << name << "='" << bad << "' -> " << err;
    }
  }
}

// parseDuration converts each unit and bare seconds.
TEST(ConfigTest, ParseDurationUnits) {
  EXPECT_EQ(parseDuration("900"), 900s);
  EXPECT_EQ(parseDuration("30s"), 30s);
  EXPECT_EQ(parseDuration("15m"), 900s);
  EXPECT_EQ(parseDuration("1h"), 3600s);
  EXPECT_EQ(parseDuration("7d"), std::chrono::seconds(604800));
  EXPECT_EQ(parseDuration("1"), 1s);
}

// parseDuration refuses zero, negatives, unknown or upper-case units, missing numbers,
// fractions, signs, spaces and anything that would overflow in milliseconds.
TEST(ConfigTest, ParseDurationRejects) {
  for (const char* bad : {"",
                          "0",
                          "0m",
                          "-5m",
                          "-1",
                          "+5m",
                          "1w",
                          "5M",
                          "m",
                          "s",
                          "1.5h",
                          " 5m",
                          "5m ",
                          "5 m",
                          "1hh",
                          "1h30m",
                          "abc",
                          "99999999999999999999",
                          "9223372036854775807",
                          "106751991168d",
                          "99999999999999999999999"}) {
    EXPECT_FALSE(parseDuration(bad).has_value()) << "'" << bad << "'";
  }
}

// Durations are capped at 100 years (a longer one is a typo and would overflow
// nanosecond time arithmetic); the cap itself is accepted, one more is refused.
TEST(ConfigTest, ParseDurationOverflowBoundary) {
  const int64_t maxSeconds = int64_t{100} * 365 * 86400;
  const auto atMax = parseDuration(std::to_string(maxSeconds));
  ASSERT_TRUE(atMax.has_value());
  EXPECT_EQ(atMax->count(), maxSeconds);
  EXPECT_FALSE(parseDuration(std::to_string(maxSeconds + 1)).has_value());
  EXPECT_TRUE(parseDuration("36500d").has_value());
  EXPECT_FALSE(parseDuration("36501d").has_value());
  EXPECT_FALSE(parseDuration("106751991167d").has_value());
}

// Without JWT_SECRET the config is refused, and the error names JWT_SECRET.
TEST(ConfigTest, JwtSecretMissingIsRefused) {
  const std::string err = loadError(EnvMap{});
  EXPECT_TRUE(err.starts_with("JWT_SECRET: ")) << err;
}

// An empty JWT_SECRET counts as missing, even in dev mode.
TEST(ConfigTest, JwtSecretEmptyIsRefusedEvenInDev) {
  EXPECT_TRUE(loadError(EnvMap{{"JWT_SECRET", ""}}).starts_with("JWT_SECRET: "));
  EXPECT_TRUE(loadError(EnvMap{{"JWT_SECRET", ""}, {"AUTHD_DEV", "1"}}).starts_with("JWT_SECRET: "));
}

// A secret shorter than 32 bytes is refused; exactly 32 is accepted.
TEST(ConfigTest, JwtSecretMinimumLength) {
  const std::string err = loadError(EnvMap{{"JWT_SECRET", std::string(31, 'k')}});
  EXPECT_TRUE(err.starts_with("JWT_SECRET: ")) << err;
  EXPECT_TRUE(load(EnvMap{{"JWT_SECRET", std::string(32, 'k')}}));
}

// The README's example secret is refused outside dev.
TEST(ConfigTest, ExampleSecretIsRefused) {
  const std::string err = loadError(EnvMap{{"JWT_SECRET", std::string(kExampleSecret)}});
  EXPECT_TRUE(err.starts_with("JWT_SECRET: ")) << err;
}

// Only the exact example value is refused by that rule: a long secret that merely
// starts with it passes (documents the current, exact-match behaviour).
TEST(ConfigTest, ExampleSecretRuleIsExactMatchOnly) {
  const std::string padded = std::string(kExampleSecret) + "-0123456789abcdef0123";
  ASSERT_GE(padded.size(), 32u);
  EXPECT_TRUE(load(EnvMap{{"JWT_SECRET", padded}}));
}

// A long secret containing "change-me" is refused as an example value.
TEST(ConfigTest, ChangeMeSecretIsRefused) {
  const std::string err = loadError(EnvMap{{"JWT_SECRET", "please-change-me-0123456789abcdef0123"}});
  EXPECT_TRUE(err.starts_with("JWT_SECRET: ")) << err;
  EXPECT_NE(err.find("example"), std::string::npos) << err;
}

// AUTHD_DEV=1 (or true) allows a short or example secret; AUTHD_DEV=0 does not.
TEST(ConfigTest, DevModeAllowsWeakSecret) {
  const Config c = loadOk(EnvMap{{"JWT_SECRET", "short"}, {"AUTHD_DEV", "1"}});
  EXPECT_TRUE(c.dev);
  EXPECT_EQ(c.jwtSecret, "short");
  EXPECT_TRUE(load(EnvMap{{"JWT_SECRET", std::string(kExampleSecret)}, {"AUTHD_DEV", "true"}}));
  EXPECT_TRUE(loadError(EnvMap{{"JWT_SECRET", "short"}, {"AUTHD_DEV", "0"}}).starts_with("JWT_SECRET: "));
}

// JWT_REFRESH_SECRET is optional, accepted when strong, refused when weak.
TEST(ConfigTest, RefreshSecretOptionalButNotWeak) {
  EXPECT_EQ(loadOk(envWith()).jwtRefreshSecret, "");
  const std::string strong(40, 'r');
  EXPECT_EQ(loadOk(envWith({{"JWT_REFRESH_SECRET", strong}})).jwtRefreshSecret, strong);
  const std::string err = loadError(envWith({{"JWT_REFRESH_SECRET", "weak"}}));
  EXPECT_TRUE(err.starts_with("JWT_REFRESH_SECRET: ")) << err;
  EXPECT_TRUE(
      loadError(envWith({{"JWT_REFRESH_SECRET", std::string(kExampleSecret)}})).starts_with("JWT_REFRESH_SECRET: "));
  // Dev mode relaxes it too.
  EXPECT_TRUE(load(envWith({{"JWT_REFRESH_SECRET", "weak"}, {"AUTHD_DEV", "1"}})));
}

// Refusing a weak secret never echoes its value (nor a part of it).
TEST(ConfigTest, ErrorNeverContainsSecretValue) {
  const std::string weak = "Xyzzy-Plugh-42";
  for (const char* name : {"JWT_SECRET", "JWT_REFRESH_SECRET"}) {
    const std::string err = loadError(envWith({{name, weak}}));
    EXPECT_TRUE(err.starts_with(std::string(name) + ": ")) << err;
    EXPECT_EQ(err.find("Xyzzy"), std::string::npos) << err;
    EXPECT_EQ(err.find("Plugh"), std::string::npos) << err;
  }
  const std::string example = "my-change-me-Xyzzy-Plugh-0123456789";
  const std::string err = loadError(EnvMap{{"JWT_SECRET", example}});
  EXPECT_EQ(err.find("Xyzzy"), std::string::npos) << err;
}

// LOG_FORMAT json switches to JSON logs, text keeps text, anything else is refused.
TEST(ConfigTest, LogFormat) {
  EXPECT_TRUE(loadOk(envWith({{"LOG_FORMAT", "json"}})).logJson);
  EXPECT_FALSE(loadOk(envWith({{"LOG_FORMAT", "text"}})).logJson);
  for (const char* bad : {"xml", "JSON", "", "json "}) {
    const std::string err = loadError(envWith({{"LOG_FORMAT", bad}}));
    EXPECT_TRUE(err.starts_with("LOG_FORMAT: ")) << bad << " -> " << err;
  }
}

// Usage counting: on by default with 90 days of retention and 500,000 pending rows; off, and the bounds, are honoured.
TEST(ConfigTest, UsageCounting) {
  const Config d = loadOk(envWith());
  EXPECT_TRUE(d.usageCounting);
  EXPECT_EQ(d.usageRetentionDays, 90);
  EXPECT_EQ(d.usageMaxPending, 500'000);
  const Config c =
      loadOk(envWith({{"USAGE_COUNTING", "off"}, {"USAGE_RETENTION_DAYS", "3650"}, {"USAGE_MAX_PENDING", "7"}}));
  EXPECT_FALSE(c.usageCounting);
  EXPECT_EQ(c.usageRetentionDays, 3650);
  EXPECT_EQ(c.usageMaxPending, 7);
  EXPECT_TRUE(loadOk(envWith({{"USAGE_COUNTING", "on"}})).usageCounting);
  for (const char* bad : {"yes", "1", "", "ON"}) {
    EXPECT_TRUE(loadError(envWith({{"USAGE_COUNTING", bad}})).starts_with("USAGE_COUNTING: ")) << bad;
  }
  for (const char* bad : {"0", "3651", "-1", "x"}) {
    EXPECT_TRUE(loadError(envWith({{"USAGE_RETENTION_DAYS", bad}})).starts_with("USAGE_RETENTION_DAYS: ")) << bad;
  }
  EXPECT_TRUE(loadError(envWith({{"USAGE_MAX_PENDING", "0"}})).starts_with("USAGE_MAX_PENDING: "));
}

// LOG_LEVEL accepts each documented level and refuses others.
TEST(ConfigTest, LogLevel) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_EQ(loadOk(envWith({{"LOG_LEVEL", level}})).logLevel, level);
  }
  for (const char* bad : {"verbose", "INFO", "warning", ""}) {
    const std::string err = loadError(envWith({{"LOG_LEVEL", bad}}));
    EXPECT_TRUE(err.starts_with("LOG_LEVEL: ")) << bad << " -> " << err;
  }
}

// Flags accept 1/true/0/false (and empty as false); "yes" and others are errors.
TEST(ConfigTest, Flags) {
  EXPECT_TRUE(loadOk(envWith({{"AUTHD_DEV", "1"}})).dev);
  EXPECT_TRUE(loadOk(envWith({{"AUTHD_DEV", "true"}})).dev);
  EXPECT_FALSE(loadOk(envWith({{"AUTHD_DEV", "0"}})).dev);
  EXPECT_FALSE(loadOk(envWith({{"AUTHD_DEV", "false"}})).dev);
  EXPECT_FALSE(loadOk(envWith({{"AUTHD_DEV", ""}})).dev);
  for (const char* bad : {"yes", "no", "TRUE", "2", "on"}) {
    const std::string err = loadError(envWith({{"AUTHD_DEV", bad}}));
    EXPECT_TRUE(err.starts_with("AUTHD_DEV: ")) << bad << " -> " << err;
  }
}

// Hosts and the issuer may not be set to empty.
TEST(ConfigTest, EmptyRequiredStringsAreRefused) {
  for (const char* name : {"DB_HOST", "REDIS_HOST", "JWT_ISSUER"}) {
    const std::string err = loadError(envWith({{name, ""}}));
    EXPECT_TRUE(err.starts_with(std::string(name) + ": ")) << err;
  }
}

// API_KEY_PREFIX defaults to sk_, takes any [a-z][a-z0-9]{1,15}_ and refuses the rest at start.
TEST(ConfigTest, ApiKeyPrefix) {
  EXPECT_EQ(loadOk(envWith()).apiKeyPrefix, "sk_");
  for (const char* good : {"acme_", "ab_", "a1_", "x9y8z7_", "abcdefghijklmnop_"}) {
    EXPECT_EQ(loadOk(envWith({{"API_KEY_PREFIX", good}})).apiKeyPrefix, good);
  }
  for (const char* bad : {"", "sk", "SK_", "Acme_", "a_", "1k_", "_sk_", "s_k_", "s-k_", "sk__", "sk_ ", " sk_",
                          "abcdefghijklmnopq_", "acme-", "acme_live_"}) {
    const std::string err = loadError(envWith({{"API_KEY_PREFIX", bad}}));
    EXPECT_TRUE(err.starts_with("API_KEY_PREFIX: ")) << "'" << bad << "' -> " << err;
  }
}

// The config's prefix check and the key format's (keys::isValidKeyPrefix) are the same rule: config may not
// include keys/, so this holds the two copies together, over every string of up to 3 characters from a small
// alphabet and a few longer ones.
TEST(ConfigTest, ApiKeyPrefixRuleMatchesTheKeyFormat) {
  std::vector<std::string> candidates = {"abcdefghijklmnop_", "abcdefghijklmnopq_", "a000000000000000_", "acme_"};
  const std::string alphabet = "aAz09_-.";
  std::vector<std::string> level = {""};
  for (int len = 1; len <= 3; ++len) {
    std::vector<std::string> next;
    for (const auto& s : level) {
      for (const char c : alphabet) next.push_back(s + c);
    }
    candidates.insert(candidates.end(), next.begin(), next.end());
    level = std::move(next);
  }
  for (const std::string& p : candidates) {
    EXPECT_EQ(load(envWith({{"API_KEY_PREFIX", p}})).has_value(), keys::isValidKeyPrefix(p)) << "'" << p << "'";
  }
}

// WEBHOOK_URL needs WEBHOOK_SECRET and the other way round; the secret must be whsec_ + base64 of 16+ bytes, and a
// refusal never echoes it.
TEST(ConfigTest, OperatorWebhookNeedsAStandardSecret) {
  const std::string good = events::newWebhookSecret();
  const auto c = loadOk(envWith({{"WEBHOOK_URL", "https://hooks.example.com/authd"}, {"WEBHOOK_SECRET", good}}));
  EXPECT_EQ(c.webhookUrl, "https://hooks.example.com/authd");
  EXPECT_EQ(c.webhookSecret, good);
  EXPECT_TRUE(loadError(envWith({{"WEBHOOK_URL", "https://hooks.example.com/authd"}})).starts_with("WEBHOOK_SECRET: "));
  EXPECT_TRUE(loadError(envWith({{"WEBHOOK_SECRET", good}})).starts_with("WEBHOOK_URL: "));
  for (const std::string& bad :
       {std::string("not-a-secret-value-at-all"), good.substr(6), std::string("whsec_"), std::string("whsec_c2hvcnQ="),
        "whsec_" + std::string(43, '!'), "WHSEC_" + good.substr(6)}) {
    const std::string err =
        loadError(envWith({{"WEBHOOK_URL", "https://hooks.example.com/"}, {"WEBHOOK_SECRET", bad}}));
    EXPECT_TRUE(err.starts_with("WEBHOOK_SECRET: must be a Standard Webhooks secret")) << bad << " -> " << err;
    // (The bare prefix is in the message itself.)
    if (bad != "whsec_") {
      EXPECT_EQ(err.find(bad), std::string::npos) << err;
    }
  }
}

// The config's secret check and the signer's (events::webhookSecretKey, with the prefix) are the same rule.
TEST(ConfigTest, WebhookSecretRuleMatchesTheSigner) {
  for (const std::string& s : {events::newWebhookSecret(), std::string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                               std::string("whsec_AAAAAAAAAAAAAAAAAAAAAA=="), std::string("whsec_AAAAAAAAAAAAAAAAAAAA"),
                               std::string("whsec_====")}) {
    const bool signerTakes = events::webhookSecretKey(s).has_value();
    EXPECT_EQ(load(envWith({{"WEBHOOK_URL", "https://h.example/"}, {"WEBHOOK_SECRET", s}})).has_value(), signerTakes)
        << s;
  }
}

// The key stored secrets are sealed under: WEBHOOK_SECRETS_KEY when set, JWT_SECRET otherwise.
TEST(ConfigTest, WebhookSecretsKeyFallsBackToJwtSecret) {
  EXPECT_EQ(webhookSecretsKeyMaterial(loadOk(envWith())), kGoodSecret);
  const std::string other(40, 'w');
  EXPECT_EQ(webhookSecretsKeyMaterial(loadOk(envWith({{"WEBHOOK_SECRETS_KEY", other}}))), other);
}

// With several problems, the error reports exactly one (a single line).
TEST(ConfigTest, ReportsOneError) {
  const std::string err = loadError(EnvMap{{"DB_PORT", "abc"}, {"REDIS_PORT", "xyz"}});
  EXPECT_TRUE(err.starts_with("DB_PORT: ")) << err;
  EXPECT_EQ(err.find("REDIS_PORT"), std::string::npos) << err;
  EXPECT_EQ(err.find("JWT_SECRET"), std::string::npos) << err;
}

// The process environment wins over the .env file; .env-only values are kept.
TEST(ConfigTest, GatherEnvironmentPrefersProcessEnvironment) {
  std::string dir = (std::filesystem::temp_directory_path() / "authd_config_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const auto file = std::filesystem::path(dir) / ".env";
  {
    std::ofstream out(file);
    out << "AUTHD_CFGTEST_BOTH=from-file\nAUTHD_CFGTEST_FILE_ONLY=file\n";
  }
  ASSERT_EQ(::setenv("AUTHD_CFGTEST_BOTH", "from-env", 1), 0);
  auto r = gatherEnvironment(file.string());
  ::unsetenv("AUTHD_CFGTEST_BOTH");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->at("AUTHD_CFGTEST_BOTH"), "from-env");
  EXPECT_EQ(r->at("AUTHD_CFGTEST_FILE_ONLY"), "file");
}

// A broken .env file is an error from gatherEnvironment, not silently ignored.
TEST(ConfigTest, GatherEnvironmentReportsBadDotenv) {
  std::string dir = (std::filesystem::temp_directory_path() / "authd_config_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const auto file = std::filesystem::path(dir) / ".env";
  {
    std::ofstream out(file);
    out << "NOT A LINE\n";
  }
  auto r = gatherEnvironment(file.string());
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(r);
}

// Without JWT_ALGORITHM access tokens stay HS256 with JWT_SECRET and no key file is read.
TEST(ConfigTest, JwtAlgorithmDefaultsToHs256) {
  const Config c = loadOk(envWith());
  EXPECT_EQ(c.jwtAlgorithm, crypto::JwsAlg::kHs256);
  EXPECT_EQ(c.jwtKey, nullptr);
  EXPECT_TRUE(c.jwtPreviousKeys.empty());
  EXPECT_NE(loadError(envWith({{"JWT_ALGORITHM", "RS256"}})).find("JWT_ALGORITHM: expected one of HS256|ES256|EdDSA"),
            std::string::npos);
  EXPECT_NE(loadError(envWith({{"JWT_ALGORITHM", "none"}})).find("JWT_ALGORITHM"), std::string::npos);
}

// ES256 and EdDSA load their private key file; JWT_SECRET stays required (it seals webhook secrets).
TEST(ConfigTest, AsymmetricAlgorithmsLoadTheirKey) {
  const auto ec = testkeys::writeKeyFile(testkeys::kEcP256Pem);
  const auto ed = testkeys::writeKeyFile(testkeys::kEd25519Pem);
  const Config es = loadOk(envWith({{"JWT_ALGORITHM", "ES256"}, {"JWT_PRIVATE_KEY_FILE", ec}}));
  EXPECT_EQ(es.jwtAlgorithm, crypto::JwsAlg::kEs256);
  ASSERT_NE(es.jwtKey, nullptr);
  EXPECT_EQ(es.jwtKey->alg(), crypto::JwsAlg::kEs256);
  const Config eddsa = loadOk(envWith({{"JWT_ALGORITHM", "EdDSA"}, {"JWT_PRIVATE_KEY_FILE", ed}}));
  ASSERT_NE(eddsa.jwtKey, nullptr);
  EXPECT_EQ(eddsa.jwtKey->alg(), crypto::JwsAlg::kEdDsa);
  EXPECT_NE(loadError({{"JWT_ALGORITHM", "ES256"}, {"JWT_PRIVATE_KEY_FILE", ec}}).find("JWT_SECRET: is required"),
            std::string::npos);
  ::unlink(ec.c_str());
  ::unlink(ed.c_str());
}

// The key file is required for ES256/EdDSA, and refused under HS256 (a forgotten JWT_ALGORITHM).
TEST(ConfigTest, PrivateKeyFileRequiredExactlyForAsymmetric) {
  EXPECT_EQ(loadError(envWith({{"JWT_ALGORITHM", "ES256"}}))
                .rfind("JWT_PRIVATE_KEY_FILE: is required with "
                       "JWT_ALGORITHM=ES256",
                       0),
            0u);
  const auto ec = testkeys::writeKeyFile(testkeys::kEcP256Pem);
  EXPECT_EQ(loadError(envWith({{"JWT_PRIVATE_KEY_FILE", ec}})).rfind("JWT_PRIVATE_KEY_FILE: is used only with", 0), 0u);
  ::unlink(ec.c_str());
}

// Each bad key file is one line naming the variable and the file: missing, world-readable, not a key, a
// public key where the private one is needed, the wrong type for the algorithm.
TEST(ConfigTest, BadKeyFilesNameTheFile) {
  const auto open = testkeys::writeKeyFile(testkeys::kEcP256Pem, 0644);
  const auto junk = testkeys::writeKeyFile("not a key\n");
  const auto pub = testkeys::writeKeyFile(testkeys::kEcP256PublicPem);
  const auto rsa = testkeys::writeKeyFile(testkeys::kRsaPem);
  const auto ec = testkeys::writeKeyFile(testkeys::kEcP256Pem);
  const struct {
    std::string alg, file, says;
  } cases[] = {
      {"ES256", "/nonexistent/k.pem", "/nonexistent/k.pem: cannot read the key file"},
      {"ES256", open, open + ": a private key readable by everyone"},
      {"ES256", junk, junk + ": not a PEM private key"},
      {"ES256", pub, pub + ": not a PEM private key"},
      {"ES256", rsa, rsa + ": a key of type RSA, expected an EC P-256 key for ES256"},
      {"EdDSA", ec, ec + ": an EC key on prime256v1, expected an Ed25519 key for EdDSA"},
  };
  for (const auto& c : cases) {
    const auto e = loadError(envWith({{"JWT_ALGORITHM", c.alg}, {"JWT_PRIVATE_KEY_FILE", c.file}}));
    EXPECT_EQ(e.rfind("JWT_PRIVATE_KEY_FILE: " + c.says, 0), 0u) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << "one line: " << e;
  }
  for (const auto& p : {open, junk, pub, rsa, ec}) ::unlink(p.c_str());
}

// Previous keys: a comma-separated list of private or public PEMs of either type, in order; a bad one
// names JWT_PREVIOUS_KEY_FILES and the file.
TEST(ConfigTest, PreviousKeyFiles) {
  const auto ec = testkeys::writeKeyFile(testkeys::kEcP256SecondPem);
  const auto edPub = testkeys::writeKeyFile(testkeys::kEd25519PublicPem, 0644);
  const auto cur = testkeys::writeKeyFile(testkeys::kEcP256Pem);
  const Config c = loadOk(envWith({{"JWT_ALGORITHM", "ES256"},
                                   {"JWT_PRIVATE_KEY_FILE", cur},
                                   {"JWT_PREVIOUS_KEY_FILES", " " + ec + " , " + edPub + ","}}));
  ASSERT_EQ(c.jwtPreviousKeys.size(), 2u);
  EXPECT_EQ(c.jwtPreviousKeyFiles, (std::vector<std::string>{ec, edPub}));
  EXPECT_EQ(c.jwtPreviousKeys[0]->alg(), crypto::JwsAlg::kEs256);
  EXPECT_EQ(c.jwtPreviousKeys[1]->alg(), crypto::JwsAlg::kEdDsa);
  EXPECT_EQ(loadOk(envWith({{"JWT_PREVIOUS_KEY_FILES", ec}})).jwtPreviousKeys.size(), 1u) << "under HS256 too";
  const auto rsa = testkeys::writeKeyFile(testkeys::kRsaPem);
  const auto e = loadError(envWith({{"JWT_PREVIOUS_KEY_FILES", ec + "," + rsa}}));
  EXPECT_EQ(e.rfind("JWT_PREVIOUS_KEY_FILES: " + rsa + ": a key of type RSA", 0), 0u) << e;
  for (const auto& p : {ec, edPub, cur, rsa}) ::unlink(p.c_str());
}

}  // namespace
}  // namespace authd::config
