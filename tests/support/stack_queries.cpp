#include "support/stack_queries.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "core/crypto.hpp"
#include "support/api.hpp"
#include "support/test_env.hpp"

namespace authd::testing {

std::string insertTestUser(store::pg::PgPool& pool, const std::string& tag) {
  auto user = pool.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto row = tx.exec_params1("INSERT INTO users (email, password_hash, name) VALUES ($1, 'x', $2) RETURNING id::text",
                               tag + "-" + crypto::uuidV4() + "@test.invalid", tag);
    tx.commit();
    return row[0].as<std::string>();
  });
  EXPECT_TRUE(user) << describe(user.error());
  return user ? *user : std::string{};
}

void deleteTestUser(store::pg::PgPool& pool, const std::string& userId) {
  if (userId.empty()) return;
  (void)pool.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("DELETE FROM users WHERE id = $1::uuid", userId);
    tx.commit();
  });
}

std::vector<std::string> insertTestKeys(store::pg::PgPool& pool, const std::string& userId, int n,
                                        const std::string& name) {
  const std::string tag = crypto::uuidV4();
  auto ids = pool.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<std::string> out;
    for (const auto& row :
         tx.exec_params("INSERT INTO api_keys (user_id, name, key_hash, prefix) "
                        "SELECT $1::uuid, $2, encode(sha256(convert_to($3 || ':' || i, 'UTF8')), 'hex'), 'sk_test' "
                        "FROM generate_series(1, $4) AS i RETURNING id::text",
                        userId, name, tag, n)) {
      out.push_back(row[0].as<std::string>());
    }
    tx.commit();
    return out;
  });
  EXPECT_TRUE(ids) << describe(ids.error());
  return ids ? *ids : std::vector<std::string>{};
}

int execSql(const std::string& sql, const std::string& param) {
  auto pool = makeTestPgPool(1);
  const auto n = pool->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto res = tx.exec_params(sql, param);
    tx.commit();
    return static_cast<int>(res.affected_rows());
  });
  EXPECT_TRUE(n.has_value()) << sql << ": "
                             << (n ? "" : std::string(codeName(n.error().code)) + " " + n.error().message);
  return n.value_or(-1);
}

bool seedUsage(const std::string& keyId, int64_t minute, const std::array<int64_t, 7>& c) {
  auto pool = makeTestPgPool(1);
  const auto done = pool->run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO key_usage (key_id, minute, valid, rate_limited, usage_exceeded, disabled, expired, revoked, "
        "other) VALUES ($1::uuid, to_timestamp($2::double precision), $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (key_id, minute) DO UPDATE SET valid = key_usage.valid + EXCLUDED.valid, "
        "rate_limited = key_usage.rate_limited + EXCLUDED.rate_limited, "
        "usage_exceeded = key_usage.usage_exceeded + EXCLUDED.usage_exceeded, "
        "disabled = key_usage.disabled + EXCLUDED.disabled, expired = key_usage.expired + EXCLUDED.expired, "
        "revoked = key_usage.revoked + EXCLUDED.revoked, other = key_usage.other + EXCLUDED.other",
        keyId, minute, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
    tx.commit();
  });
  EXPECT_TRUE(done.has_value()) << "seeding key_usage: " << (done ? "" : done.error().message);
  return done.has_value();
}

std::optional<int64_t> lastUsedMs(store::pg::PgPool& pool, const std::string& keyId) {
  auto r = pool.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    const auto row = tx.exec_params1(
        "SELECT (extract(epoch FROM last_used_at) * 1000)::bigint FROM api_keys WHERE id = $1::uuid", keyId);
    return row[0].is_null() ? std::optional<int64_t>() : std::optional<int64_t>(row[0].as<int64_t>());
  });
  EXPECT_TRUE(r.has_value()) << "reading last_used_at: " << (r ? "" : r.error().message);
  return r ? *r : std::nullopt;
}

std::optional<StoredCredits> storedCredits(store::pg::PgPool& pool, const std::string& keyId) {
  auto r = pool.run([&](pqxx::connection& c) -> std::optional<StoredCredits> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_params(
        "SELECT coalesce(credits_remaining, -1), credits_version, credits_period FROM api_keys WHERE id = $1::uuid",
        keyId);
    if (rows.empty()) return std::nullopt;
    return StoredCredits{rows[0][0].as<int64_t>(), rows[0][1].as<int64_t>(), rows[0][2].as<int64_t>()};
  });
  EXPECT_TRUE(r.has_value()) << "reading credits: " << (r ? "" : r.error().message);
  return r ? *r : std::nullopt;
}

bool writeCreditBalance(store::redis::RedisPool& redis, const std::string& keyId, int64_t version, int64_t remaining,
                        int64_t period, int64_t scoreMs) {
  auto lease = redis.acquire();
  EXPECT_TRUE(lease.has_value()) << "redis: " << (lease ? "" : lease.error().message);
  if (!lease) return false;
  auto r = lease->pipeline({{"HSET", "authd:cr:" + keyId, "v", std::to_string(version), "r", std::to_string(remaining),
                             "p", std::to_string(period)},
                            {"ZADD", "authd:cr:dirty", std::to_string(scoreMs), keyId}});
  EXPECT_TRUE(r.has_value()) << "redis: " << (r ? "" : r.error().message);
  return r.has_value() && (*r)[0]->type != REDIS_REPLY_ERROR && (*r)[1]->type != REDIS_REPLY_ERROR;
}

bool creditsDirty(store::redis::RedisPool& redis, const std::string& keyId) {
  auto lease = redis.acquire();
  if (!lease) return false;
  auto reply = lease->command({"ZSCORE", "authd:cr:dirty", keyId});
  return reply && (*reply)->type == REDIS_REPLY_STRING;
}

bool queuedInRedis(store::redis::RedisPool& redis, const std::string& keyId, LastUsedSets sets) {
  auto lease = redis.acquire();
  if (!lease) return false;
  for (const char* set : {"authd:lastused", "authd:lastused:flushing"}) {
    auto reply = lease->command({"ZSCORE", set, keyId});
    if (reply && (*reply)->type == REDIS_REPLY_STRING) return true;
    if (sets == LastUsedSets::kLive) break;
  }
  return false;
}

}  // namespace authd::testing
