#include "support/stack_queries.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "support/test_env.hpp"

namespace authd::testing {

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
