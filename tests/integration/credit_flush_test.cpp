// Credits as a property of a key, against the test stack's PostgreSQL and
// Redis: grants (create, PATCH, rotation) write the credits columns as
// issue 15's contract says, and RedisCreditFlush moves live balances
// (authd:cr:<keyId> hashes named in the dirty set, written here as /verify's
// admission script would) back to PostgreSQL: onto their own grant only, a
// spend during the flush keeping the key dirty, and while PostgreSQL is down
// the balances waiting in Redis. Each test uses its own Redis prefix and its
// own user, and removes them afterwards.
#include "store/redis/redis_credit_flush.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/pg_key_store.hpp"
#include "support/api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using store::redis::RedisCreditFlush;

// What api_keys holds of a key's credits (remaining -1: NULL) and its row version.
struct CreditRow {
  int64_t remaining = -1;
  int64_t refillAmount = -1;
  std::string refillInterval;
  int64_t version = 0;
  int64_t period = 0;
  int64_t updatedAtUs = 0;
};

// Runs `before` ahead of each save, then saves through the real store: a spend in the middle of a flush.
class InterceptingSink final : public keys::CreditSink {
 public:
  InterceptingSink(keys::CreditSink& inner, std::function<void()> before) : inner_(inner), before_(std::move(before)) {}
  Result<size_t> saveCredits(const std::vector<keys::CreditBalance>& balances) override {
    before_();
    return inner_.saveCredits(balances);
  }

 private:
  keys::CreditSink& inner_;
  std::function<void()> before_;
};

int64_t nowSeconds() { return toUnixSeconds(std::chrono::system_clock::now()); }

class CreditFlushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();  // fails, with the reason, without the stack
    pg_ = makePool(0);
    redis_ = makeTestRedisPool(4);
    keys_ = std::make_unique<store::pg::PgKeyStore>(*pg_, eventsWritten_);
    prefix_ = "authd:test:cr:" + crypto::uuidV4() + ":";
    flush_ = std::make_unique<RedisCreditFlush>(*redis_, *keys_, prefix_, 100);
    userId_ = insertTestUser(*pg_, "credits");
    ASSERT_FALSE(userId_.empty());
  }

  void TearDown() override {
    if (redis_) {
      if (auto lease = redis_->acquire()) {
        std::vector<std::string> del{"DEL", flush_->dirtyKey(), flush_->lockKey()};
        for (const auto& id : created_) del.push_back(flush_->balanceKey(id));
        (void)lease->command(del);
      }
    }
    if (pg_) deleteTestUser(*pg_, userId_);  // cascades to api_keys
  }

  // The stack's PostgreSQL (port 0), or one that is not there.
  static std::unique_ptr<store::pg::PgPool> makePool(int port) {
    return makeTestPgPool(
        {.size = 2, .prepare = true, .statementTimeout = std::chrono::milliseconds(10000), .port = port});
  }

  // A key of the test user created through the store with `credits`.
  keys::KeyRecord createKey(std::optional<keys::Credits> credits) {
    keys::CreateKeyRequest req;
    req.name = "credits";
    req.credits = credits;
    const std::string hash = crypto::sha256Hex(crypto::uuidV4());
    auto k = keys_->create(userId_, req, hash, "sk_test", events::Context::user(userId_));
    EXPECT_TRUE(k) << describe(k.error());
    if (!k) return {};
    created_.push_back(k->id);
    return *k;
  }

  CreditRow row(const std::string& keyId) {
    auto r = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      const auto x = tx.exec_params1(
          "SELECT coalesce(credits_remaining, -1), coalesce(credits_refill_amount, -1), "
          "coalesce(credits_refill_interval, ''), credits_version, credits_period, "
          "(extract(epoch FROM updated_at) * 1000000)::bigint FROM api_keys WHERE id = $1::uuid",
          keyId);
      return CreditRow{x[0].as<int64_t>(), x[1].as<int64_t>(), x[2].as<std::string>(),
                       x[3].as<int64_t>(), x[4].as<int64_t>(), x[5].as<int64_t>()};
    });
    EXPECT_TRUE(r) << describe(r.error());
    return r ? *r : CreditRow{};
  }

  // A spend as the admission script leaves it: the balance hash, and the key marked dirty at `score`.
  void spend(const std::string& keyId, int64_t version, int64_t remaining, int64_t period, int64_t score) {
    auto lease = redis_->acquire();
    ASSERT_TRUE(lease) << describe(lease.error());
    auto r = lease->pipeline({{"HSET", flush_->balanceKey(keyId), "v", std::to_string(version), "r",
                               std::to_string(remaining), "p", std::to_string(period)},
                              {"ZADD", flush_->dirtyKey(), std::to_string(score), keyId}});
    ASSERT_TRUE(r) << describe(r.error());
  }

  std::optional<std::string> dirtyScore(const std::string& keyId) {
    auto lease = redis_->acquire();
    if (!lease) return std::nullopt;
    auto r = lease->command({"ZSCORE", flush_->dirtyKey(), keyId});
    if (!r || (*r)->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string((*r)->str, (*r)->len);
  }

  int64_t redisExists(const std::string& key) {
    auto lease = redis_->acquire();
    if (!lease) return -1;
    auto r = lease->command({"EXISTS", key});
    return r && (*r)->type == REDIS_REPLY_INTEGER ? (*r)->integer : -1;
  }

  Result<size_t> flushOnce() { return flush_->flushOnce(); }

  std::unique_ptr<store::pg::PgPool> pg_;
  std::unique_ptr<store::redis::RedisPool> redis_;
  events::WrittenCounts eventsWritten_;
  std::unique_ptr<store::pg::PgKeyStore> keys_;
  std::unique_ptr<RedisCreditFlush> flush_;
  std::string prefix_;
  std::string userId_;
  std::vector<std::string> created_;
};

// Create is a grant: remaining and refill stored, the version the transaction's time in µs, the period the
// current UTC day's start; a key without credits has every credits column NULL and version 0.
TEST_F(CreditFlushTest, CreateWritesTheGrant) {
  const int64_t before = nowSeconds();
  const auto k = createKey(keys::Credits{25, keys::CreditRefill{100, keys::RefillInterval::kDay}});
  const auto r = row(k.id);
  EXPECT_EQ(r.remaining, 25);
  EXPECT_EQ(r.refillAmount, 100);
  EXPECT_EQ(r.refillInterval, "day");
  EXPECT_GE(r.version, before * 1'000'000);
  EXPECT_LE(r.version, (nowSeconds() + 1) * 1'000'000);
  const int64_t day = keys::periodStart(keys::RefillInterval::kDay, before);
  EXPECT_TRUE(r.period == day || r.period == keys::periodStart(keys::RefillInterval::kDay, nowSeconds()));
  // The record read back carries the same.
  ASSERT_TRUE(k.credits);
  EXPECT_EQ(k.credits->remaining, 25);
  ASSERT_TRUE(k.credits->refill);
  EXPECT_EQ(k.credits->refill->amount, 100);
  EXPECT_EQ(k.creditsVersion, r.version);
  EXPECT_EQ(k.creditsPeriod, r.period);

  const auto monthly = createKey(keys::Credits{1, keys::CreditRefill{2, keys::RefillInterval::kMonth}});
  EXPECT_EQ(row(monthly.id).period, keys::periodStart(keys::RefillInterval::kMonth, nowSeconds()));
  const auto plain = createKey(keys::Credits{0, std::nullopt});
  EXPECT_EQ(row(plain.id).remaining, 0);
  EXPECT_EQ(row(plain.id).period, 0);
  EXPECT_FALSE(plain.credits->refill);

  const auto unlimited = createKey(std::nullopt);
  const auto u = row(unlimited.id);
  EXPECT_EQ(u.remaining, -1);
  EXPECT_EQ(u.refillAmount, -1);
  EXPECT_EQ(u.version, 0);
  EXPECT_FALSE(unlimited.credits);
}

// PATCH with credits is a new grant (version strictly newer, even within one µs); null makes the key unlimited
// (every credits column NULL, the version bumped again); a PATCH of something else keeps the grant.
TEST_F(CreditFlushTest, PatchWritesANewGrantOrUnlimited) {
  const auto k = createKey(keys::Credits{5, std::nullopt});
  const int64_t v0 = row(k.id).version;
  keys::KeyPatch grant;
  grant.credits = keys::Credits{50, keys::CreditRefill{70, keys::RefillInterval::kMonth}};
  auto updated = keys_->update(userId_, k.id, grant, events::Context::user(userId_));
  ASSERT_TRUE(updated && *updated) << (updated ? "no key" : describe(updated.error()));
  const auto r1 = row(k.id);
  EXPECT_EQ(r1.remaining, 50);
  EXPECT_EQ(r1.refillAmount, 70);
  EXPECT_EQ(r1.refillInterval, "month");
  EXPECT_GT(r1.version, v0);
  EXPECT_EQ(r1.period, keys::periodStart(keys::RefillInterval::kMonth, nowSeconds()));
  EXPECT_EQ((*updated)->record.creditsVersion, r1.version);
  ASSERT_TRUE((*updated)->record.credits);
  EXPECT_EQ((*updated)->record.credits->remaining, 50);

  keys::KeyPatch rename;
  rename.name = "renamed";
  ASSERT_TRUE(keys_->update(userId_, k.id, rename, events::Context::user(userId_)));
  EXPECT_EQ(row(k.id).version, r1.version);
  EXPECT_EQ(row(k.id).remaining, 50);

  keys::KeyPatch clear;
  clear.credits = std::optional<keys::Credits>{};
  updated = keys_->update(userId_, k.id, clear, events::Context::user(userId_));
  ASSERT_TRUE(updated && *updated);
  const auto r2 = row(k.id);
  EXPECT_EQ(r2.remaining, -1);
  EXPECT_EQ(r2.refillAmount, -1);
  EXPECT_EQ(r2.refillInterval, "");
  EXPECT_EQ(r2.period, 0);
  EXPECT_GT(r2.version, r1.version);
  EXPECT_FALSE((*updated)->record.credits);
}

// Rotation: the successor gets the settings and the remaining as last flushed, as a grant of its own (a newer
// version); the predecessor keeps its balance.
TEST_F(CreditFlushTest, RotationCopiesTheLastFlushedBalance) {
  const auto k = createKey(keys::Credits{90, keys::CreditRefill{90, keys::RefillInterval::kMonth}});
  const auto before = row(k.id);
  spend(k.id, before.version, 33, before.period, 1);
  auto n = flushOnce();
  ASSERT_TRUE(n) << describe(n.error());
  auto rotated = keys_->rotate(userId_, k.id, std::chrono::seconds(60), crypto::sha256Hex(crypto::uuidV4()), "sk_t",
                               events::Context::user(userId_));
  ASSERT_TRUE(rotated && *rotated) << (rotated ? "no key" : describe(rotated.error()));
  const auto& successor = (*rotated)->successor;
  created_.push_back(successor.id);
  ASSERT_TRUE(successor.credits);
  EXPECT_EQ(successor.credits->remaining, 33);
  ASSERT_TRUE(successor.credits->refill);
  EXPECT_EQ(successor.credits->refill->amount, 90);
  EXPECT_EQ(successor.credits->refill->interval, keys::RefillInterval::kMonth);
  EXPECT_GT(successor.creditsVersion, before.version);
  EXPECT_EQ(successor.creditsPeriod, before.period);
  EXPECT_EQ(row(k.id).remaining, 33);
  EXPECT_EQ(row(k.id).version, before.version);
}

// A predecessor whose balance belongs to an earlier refill period hands on the refill amount, not the old count.
TEST_F(CreditFlushTest, RotationAfterAPeriodBeganHandsOnTheRefill) {
  const auto k = createKey(keys::Credits{90, keys::CreditRefill{80, keys::RefillInterval::kDay}});
  const auto before = row(k.id);
  spend(k.id, before.version, 4, before.period - 86'400, 1);  // flushed for yesterday
  ASSERT_TRUE(flushOnce());
  ASSERT_EQ(row(k.id).period, before.period - 86'400);
  auto rotated = keys_->rotate(userId_, k.id, std::chrono::seconds(0), crypto::sha256Hex(crypto::uuidV4()), "sk_t",
                               events::Context::user(userId_));
  ASSERT_TRUE(rotated && *rotated);
  created_.push_back((*rotated)->successor.id);
  EXPECT_EQ((*rotated)->successor.credits->remaining, 80);
  EXPECT_EQ((*rotated)->successor.creditsPeriod, keys::periodStart(keys::RefillInterval::kDay, nowSeconds()));
}

// Balances in Redis reach PostgreSQL (remaining and period, in batches), the dirty set is emptied and the lock
// released; a flush-back is not a change (updated_at and the grant's version stay).
TEST_F(CreditFlushTest, FlushWritesBalancesAndEmptiesTheDirtySet) {
  std::vector<keys::KeyRecord> ks;
  for (int i = 0; i < 250; ++i) ks.push_back(createKey(keys::Credits{1000, std::nullopt}));
  std::map<std::string, CreditRow> before;
  for (int i = 0; i < 250; ++i) {
    before[ks[i].id] = row(ks[i].id);
    spend(ks[i].id, ks[i].creditsVersion, 1000 - i, 0, 1'700'000'000'000 + i);
  }
  auto n = flushOnce();
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 250u);
  for (int i = 0; i < 250; ++i) {
    const auto r = row(ks[i].id);
    EXPECT_EQ(r.remaining, 1000 - i) << i;
    EXPECT_EQ(r.version, before[ks[i].id].version);
    EXPECT_EQ(r.updatedAtUs, before[ks[i].id].updatedAtUs) << "a flush-back must not look like a change";
  }
  EXPECT_EQ(redisExists(flush_->dirtyKey()), 0);
  EXPECT_EQ(redisExists(flush_->lockKey()), 0) << "the lock must be released";
  EXPECT_EQ(redisExists(flush_->balanceKey(ks[0].id)), 1) << "the live balance stays in Redis";
  EXPECT_EQ(flush_->flushedRows(), 250u);

  // The period travels too (a refill the admission script applied).
  const auto daily = createKey(keys::Credits{3, keys::CreditRefill{10, keys::RefillInterval::kDay}});
  spend(daily.id, daily.creditsVersion, 9, daily.creditsPeriod + 86'400, 5);
  ASSERT_TRUE(flushOnce());
  EXPECT_EQ(row(daily.id).remaining, 9);
  EXPECT_EQ(row(daily.id).period, daily.creditsPeriod + 86'400);

  n = flushOnce();  // nothing dirty: nothing to do
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 0u);
}

// A balance of an older grant does not overwrite a newer one (PATCH between the spend and the flush); it leaves
// the dirty set all the same (it can never be written).
TEST_F(CreditFlushTest, OlderGrantsBalanceNeverOverwritesANewGrant) {
  const auto k = createKey(keys::Credits{10, std::nullopt});
  spend(k.id, k.creditsVersion, 2, 0, 7);
  keys::KeyPatch grant;
  grant.credits = keys::Credits{500, std::nullopt};
  ASSERT_TRUE(keys_->update(userId_, k.id, grant, events::Context::user(userId_)));
  auto n = flushOnce();
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(row(k.id).remaining, 500);
  EXPECT_FALSE(dirtyScore(k.id));

  // Nor onto a key made unlimited since.
  const auto u = createKey(keys::Credits{10, std::nullopt});
  spend(u.id, u.creditsVersion, 3, 0, 8);
  keys::KeyPatch clear;
  clear.credits = std::optional<keys::Credits>{};
  ASSERT_TRUE(keys_->update(userId_, u.id, clear, events::Context::user(userId_)));
  ASSERT_TRUE(flushOnce());
  EXPECT_EQ(row(u.id).remaining, -1);
}

// A spend while the flush writes PostgreSQL is never lost. A later score keeps the key dirty past this flush's
// cutoff, for the next flush; the same millisecond with a new balance is not cleaned either, so this flush's next
// page (scores up to the cutoff) reads the key again and writes the newer balance before it leaves the set.
TEST_F(CreditFlushTest, SpendDuringTheFlushStaysDirty) {
  const auto a = createKey(keys::Credits{10, std::nullopt});
  const auto b = createKey(keys::Credits{10, std::nullopt});
  const auto c = createKey(keys::Credits{10, std::nullopt});
  spend(a.id, a.creditsVersion, 9, 0, 100);
  spend(b.id, b.creditsVersion, 9, 0, 100);
  spend(c.id, c.creditsVersion, 9, 0, 100);
  bool spent = false;
  InterceptingSink sink(*keys_, [&] {
    if (spent) return;
    spent = true;
    spend(a.id, a.creditsVersion, 8, 0, 101);  // later
    spend(b.id, b.creditsVersion, 7, 0, 100);  // same ms, new balance
  });
  RedisCreditFlush during(*redis_, sink, prefix_, 100);
  auto n = during.flushOnce();
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(row(a.id).remaining, 9);
  EXPECT_EQ(row(b.id).remaining, 7);
  EXPECT_TRUE(dirtyScore(a.id));
  EXPECT_FALSE(dirtyScore(b.id));
  EXPECT_FALSE(dirtyScore(c.id));

  ASSERT_TRUE(flushOnce());
  EXPECT_EQ(row(a.id).remaining, 8);
  EXPECT_EQ(row(b.id).remaining, 7);
  EXPECT_FALSE(dirtyScore(a.id));
  EXPECT_FALSE(dirtyScore(b.id));
}

// PostgreSQL unreachable: the flush fails (counted), the balances and the dirty marks stay in Redis, and the
// next flush with PostgreSQL back writes them.
TEST_F(CreditFlushTest, PostgresDownBalancesWaitInRedis) {
  const auto k = createKey(keys::Credits{10, std::nullopt});
  spend(k.id, k.creditsVersion, 4, 0, 55);
  // Nothing listens there: every connection is refused, as with PostgreSQL stopped.
  auto down = makePool(1);
  store::pg::PgKeyStore downStore(*down, eventsWritten_);
  RedisCreditFlush failing(*redis_, downStore, prefix_, 100);
  EXPECT_FALSE(failing.flush());
  EXPECT_FALSE(failing.flush());
  EXPECT_EQ(failing.failures(), 2u);
  EXPECT_EQ(failing.flushedRows(), 0u);
  EXPECT_EQ(dirtyScore(k.id), "55");
  EXPECT_EQ(redisExists(flush_->lockKey()), 0) << "a failed flush releases its lock";
  EXPECT_EQ(row(k.id).remaining, 10);

  EXPECT_TRUE(flush_->flush());
  EXPECT_EQ(row(k.id).remaining, 4);
  EXPECT_FALSE(dirtyScore(k.id));
}

// Another instance holding the lock: this flush does nothing and leaves the balances for the holder.
TEST_F(CreditFlushTest, LockHeldElsewhereFlushesNothing) {
  const auto k = createKey(keys::Credits{10, std::nullopt});
  spend(k.id, k.creditsVersion, 4, 0, 55);
  {
    auto lease = redis_->acquire();
    ASSERT_TRUE(lease);
    ASSERT_TRUE(lease->command({"SET", flush_->lockKey(), "someone-else", "PX", "30000"}));
  }
  auto n = flushOnce();
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(row(k.id).remaining, 10);
  EXPECT_TRUE(dirtyScore(k.id));
}

// Members that cannot be written (no balance hash, an unreadable one, an id that is not a key) leave the set
// rather than block it, and the others are written.
TEST_F(CreditFlushTest, UnwritableMembersDoNotBlockTheSet) {
  const auto k = createKey(keys::Credits{10, std::nullopt});
  spend(k.id, k.creditsVersion, 6, 0, 10);
  const std::string ghost = crypto::uuidV4();
  created_.push_back(ghost);
  created_.push_back("not-a-uuid");
  {
    auto lease = redis_->acquire();
    ASSERT_TRUE(lease);
    ASSERT_TRUE(lease->pipeline({{"ZADD", flush_->dirtyKey(), "1", ghost},
                                 {"HSET", flush_->balanceKey("not-a-uuid"), "v", "1", "r", "x", "p", "0"},
                                 {"ZADD", flush_->dirtyKey(), "2", "not-a-uuid"}}));
  }
  auto n = flushOnce();
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(row(k.id).remaining, 6);
  EXPECT_EQ(redisExists(flush_->dirtyKey()), 0);
}

}  // namespace
}  // namespace authd::testing
