// The denylist's pruning in PostgreSQL, against the real database: an
// instance prunes when it starts (and every minute after), deleting logout
// denials of tokens that have expired and sessions that can no longer refresh
// nor hold a live access token, and keeping everything that still matters. The
// memory side and the schedule are unit-tested with a fake clock
// (tests/unit/denylist_test.cpp).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>

#include "core/crypto.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;

// A counter from instance n's /metrics: authd_events_total{what="..."}; nullopt when absent.
std::optional<double> eventTotal(int n, std::string_view what) {
  return metricOn(n, "authd_events_total{what=\"" + std::string(what) + "\"}");
}

int64_t count(store::pg::PgPool& pg, const std::string& sql, const std::string& id) {
  auto r = pg.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec_params1(sql, id)[0].as<int64_t>();
  });
  EXPECT_TRUE(r.has_value());
  return r ? *r : -1;
}

TEST(DenylistPruneTest, StartingInstancePrunesLapsedRowsOnly) {
  const TestEnv& env = testEnv();
  const std::string email = "prune-" + crypto::toHex(crypto::randomBytes(6)) + "@example.com";
  const auto up = postJson(env.authdPort(1), "/auth/signup",
                           {{"email", email}, {"password", "prune-password-1"}, {"name", "Prune"}});
  ASSERT_TRUE(up && up->status == 201) << describe(up);
  const std::string userId = up->json()["user"]["id"].get<std::string>();

  auto pg = makeTestPgPool(1);
  const std::string expiredJti = crypto::uuidV4(), liveJti = crypto::uuidV4();
  const std::string deadFamily = crypto::uuidV4(), liveFamily = crypto::uuidV4(), recentFamily = crypto::uuidV4();
  auto seeded = pg->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0(
        "INSERT INTO revoked_access_tokens (jti, user_id, expires_at) VALUES "
        "($1::uuid, $3::uuid, now() - interval '1 minute'), "
        "($2::uuid, $3::uuid, now() + interval '1 hour')",
        expiredJti, liveJti, userId);
    // Quiet for a day: dead if every token expired, kept while one can still refresh.
    tx.exec_params0(
        "INSERT INTO refresh_families (id, user_id, created_at, updated_at, revoked_at) VALUES "
        "($1::uuid, $4::uuid, now() - interval '1 day', now() - interval '1 day', "
        "now() - interval '1 day'), "
        "($2::uuid, $4::uuid, now() - interval '1 day', now() - interval '1 day', NULL), "
        "($3::uuid, $4::uuid, now(), now(), now())",
        deadFamily, liveFamily, recentFamily, userId);
    tx.exec_params0(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES "
        "($4::uuid, $1::uuid, $5, now() - interval '1 hour'), "
        "($4::uuid, $2::uuid, $6, now() + interval '1 day'), "
        "($4::uuid, $3::uuid, $7, now() - interval '1 hour')",
        deadFamily, liveFamily, recentFamily, userId, crypto::sha256Hex(crypto::uuidV4()),
        crypto::sha256Hex(crypto::uuidV4()), crypto::sha256Hex(crypto::uuidV4()));
    tx.commit();
  });
  ASSERT_TRUE(seeded.has_value()) << seeded.error().message;

  {
    InstanceRestarter restart(1);
    ASSERT_EQ(stack("authd-stop", 1), 0);
  }  // started again and ready: its first prune runs at start
  EXPECT_TRUE(eventually(
      [&] { return count(*pg, "SELECT count(*) FROM revoked_access_tokens WHERE jti = $1::uuid", expiredJti) == 0; },
      5s))
      << "the expired denial is still in PostgreSQL";
  EXPECT_TRUE(eventually(
      [&] { return count(*pg, "SELECT count(*) FROM refresh_families WHERE id = $1::uuid", deadFamily) == 0; }, 5s))
      << "the dead session is still in PostgreSQL";
  EXPECT_EQ(count(*pg, "SELECT count(*) FROM refresh_tokens WHERE family_id = $1::uuid", deadFamily), 0);
  // Kept: a denial whose token is alive, a session that can still refresh, a session revoked just now (its access
  // tokens may still be alive).
  EXPECT_EQ(count(*pg, "SELECT count(*) FROM revoked_access_tokens WHERE jti = $1::uuid", liveJti), 1);
  EXPECT_EQ(count(*pg, "SELECT count(*) FROM refresh_families WHERE id = $1::uuid", liveFamily), 1);
  EXPECT_EQ(count(*pg, "SELECT count(*) FROM refresh_families WHERE id = $1::uuid", recentFamily), 1);
  const auto prunes = eventTotal(1, "denylist_prunes");
  ASSERT_TRUE(prunes.has_value()) << "no denylist_prunes in /metrics";
  EXPECT_GE(*prunes, 1.0);
  // Instance 2 prunes every minute too and may have got there first: together they deleted at least these two rows.
  const auto rows1 = eventTotal(1, "denylist_pruned_rows");
  const auto rows2 = eventTotal(2, "denylist_pruned_rows");
  ASSERT_TRUE(rows1 && rows2) << "no denylist_pruned_rows in /metrics";
  EXPECT_GE(*rows1 + *rows2, 2.0);
}

}  // namespace
}  // namespace authd::testing
