// store/pg/pg_webhooks against the test PostgreSQL where the routes cannot show it: the operator's endpoint
// (WEBHOOK_URL) upserted by several instances starting at once leaves exactly one live row, which keeps its id
// across restarts and opens with the secret as given; removing it fails its pending deliveries.
#include <gtest/gtest.h>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "events/secret_box.hpp"
#include "events/signature.hpp"
#include "store/pg/pg_webhooks.hpp"
#include "support/api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

struct OperatorRow {
  int live = 0;
  std::string id;
  std::string url;
  std::string sealed;
};

OperatorRow operatorRow(store::pg::PgPool& pool) {
  auto r = pool.run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    OperatorRow out;
    const auto rows =
        tx.exec("SELECT id::text, url, secret_encrypted FROM webhooks WHERE user_id IS NULL AND deleted_at IS NULL");
    out.live = static_cast<int>(rows.size());
    if (!rows.empty()) {
      out.id = rows[0][0].as<std::string>();
      out.url = rows[0][1].as<std::string>();
      out.sealed = rows[0][2].as<std::string>();
    }
    return out;
  });
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : OperatorRow{};
}

class WebhookStoreTest : public ::testing::Test {
 protected:
  // The stack's own operator endpoint (WEBHOOK_URL, sealed as its instances seal it: the stack sets no
  // WEBHOOK_SECRETS_KEY, so under JWT_SECRET) is put back, so the e2e tests that run later still receive events.
  void TearDown() override {
    EXPECT_TRUE(store_.removeOperator().has_value());
    const TestEnv& env = testEnv();
    if (env.operatorWebhookUrl.empty()) return;
    const events::SecretBox stackBox(env.jwtSecret);
    EXPECT_TRUE(store_
                    .upsertOperator(env.operatorWebhookUrl, crypto::uuidV4(),
                                    [&](std::string_view id) { return stackBox.seal(env.operatorWebhookSecret, id); })
                    .has_value());
  }

  std::unique_ptr<store::pg::PgPool> pool_ = makeTestPgPool({.size = 2, .prepare = true});
  events::WrittenCounts written_;
  store::pg::PgWebhookStore store_{*pool_, written_};
  events::SecretBox box_{std::string(48, 's')};
};

// Four instances upserting at once (each its own connection and new id): one live row, whose sealed secret opens
// for its id; a later start keeps that id and takes the new URL.
TEST_F(WebhookStoreTest, ConcurrentOperatorUpsertsLeaveOneRow) {
  ASSERT_TRUE(store_.removeOperator().has_value());
  const std::string secret = events::newWebhookSecret();
  constexpr int kInstances = 4;
  std::vector<std::unique_ptr<store::pg::PgPool>> pools;
  for (int i = 0; i < kInstances; ++i) pools.push_back(makeTestPgPool({.size = 1, .prepare = true}));
  std::latch go(kInstances);
  std::vector<Status> results(kInstances);
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      store::pg::PgWebhookStore s(*pools[i], written_);
      go.arrive_and_wait();
      results[i] = s.upsertOperator("https://ops.example/authd", crypto::uuidV4(),
                                    [&](std::string_view id) { return box_.seal(secret, id); });
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kInstances; ++i) EXPECT_TRUE(results[i].has_value()) << i << ": " << describe(results[i]);
  const OperatorRow first = operatorRow(*pool_);
  ASSERT_EQ(first.live, 1);
  EXPECT_EQ(box_.open(first.sealed, first.id), secret);

  ASSERT_TRUE(store_
                  .upsertOperator("https://ops2.example/authd", crypto::uuidV4(),
                                  [&](std::string_view id) { return box_.seal(secret, id); })
                  .has_value());
  const OperatorRow again = operatorRow(*pool_);
  ASSERT_EQ(again.live, 1);
  EXPECT_EQ(again.id, first.id) << "a restart keeps the endpoint (and its pending deliveries)";
  EXPECT_EQ(again.url, "https://ops2.example/authd");
  EXPECT_EQ(box_.open(again.sealed, again.id), secret);
}

// Removing the operator's endpoint (WEBHOOK_URL unset) soft-deletes it and fails what it still had to deliver.
TEST_F(WebhookStoreTest, RemovingTheOperatorEndpointFailsItsPendingDeliveries) {
  // A row of its own (the stack's endpoint, which has deliveries of its own, goes first; TearDown puts it back).
  ASSERT_TRUE(store_.removeOperator().has_value());
  ASSERT_TRUE(store_
                  .upsertOperator("https://ops.example/authd", crypto::uuidV4(),
                                  [&](std::string_view id) { return box_.seal("whsec_x", id); })
                  .has_value());
  const OperatorRow row = operatorRow(*pool_);
  ASSERT_EQ(row.live, 1);
  // An event for the operator's endpoint: the outbox's fan-out gives it a pending delivery.
  ASSERT_EQ(execSql("WITH e AS (INSERT INTO events (type, actor_type, target_type) VALUES ('user.login_failed', "
                    "'system', $1) RETURNING id) INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT w.id, "
                    "e.id FROM e, webhooks w WHERE w.user_id IS NULL AND w.deleted_at IS NULL",
                    "user"),
            1);
  ASSERT_TRUE(store_.removeOperator().has_value());
  EXPECT_EQ(operatorRow(*pool_).live, 0);
  auto states = pool_->run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx
        .exec_params1(
            "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = "
            "'failed' AND last_error = 'endpoint deleted') FROM webhook_deliveries WHERE webhook_id = "
            "$1::uuid",
            row.id)[1]
        .as<int64_t>();
  });
  ASSERT_TRUE(states.has_value());
  EXPECT_EQ(*states, 1);
}

}  // namespace
}  // namespace authd::testing
