// The audit log's store against the real PostgreSQL: PgAudit pages a user's
// events newest first through several pages and never shows another user's
// events nor webhook.test; the retention prune deletes only old events and
// runs on one instance at a time; PgExpiryScanner writes each key.expiring /
// key.expired notice exactly once across repeated scans, across two scanners
// at once, only the most specific one due, new ones for a new expiresAt, with
// the outbox's fan-out to webhooks. Each test has its own user (events have no
// foreign key, so they are deleted by user id afterwards). The stack's own
// authd instances run the same prune and scan: assertions are on what is
// stored, never on which instance wrote it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "events/audit.hpp"
#include "events/expiry.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_audit.hpp"
#include "store/pg/pg_expiry_scan.hpp"
#include "store/pg/pg_outbox.hpp"
#include "store/pg/sql.hpp"
#include "support/api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();  // fails, with the reason, without the stack
    pg_ = makeTestPgPool({.size = 4, .prepare = true, .statementTimeout = std::chrono::milliseconds(30000)});
    ann_ = insertTestUser(*pg_, "audit");
    bob_ = insertTestUser(*pg_, "audit");
    ASSERT_FALSE(ann_.empty());
    ASSERT_FALSE(bob_.empty());
  }
  void TearDown() override {
    for (const auto& u : {ann_, bob_}) {
      if (u.empty() || !pg_) continue;
      (void)pg_->run([&](pqxx::connection& c) {
        pqxx::work tx(c);
        tx.exec_params0("DELETE FROM events WHERE user_id = $1::uuid", u);
        tx.commit();
      });
      deleteTestUser(*pg_, u);  // cascades to keys, notices, webhooks and their deliveries
    }
  }

  // Appends events through the outbox, as a change would; their seqs.
  std::vector<int64_t> append(const std::string& userId, int n, std::string_view type = events::type::kKeyUpdated) {
    auto seqs = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      std::vector<int64_t> out;
      for (int i = 0; i < n; ++i) {
        auto e = events::make(type, userId, events::Context::user(userId, {"127.0.0.1", "audit-test"}), "key",
                              crypto::uuidV4(), "{\"i\":" + std::to_string(i) + "}");
        store::pg::appendEvent(tx, e);
        out.push_back(e.seq);
      }
      tx.commit();
      return out;
    });
    EXPECT_TRUE(seqs) << describe(seqs.error());
    return seqs.value_or(std::vector<int64_t>{});
  }

  // Inserts an event written `daysAgo` days ago straight into the table, as an old row would be.
  void insertOld(const std::string& userId, int daysAgo) {
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params0(
          "INSERT INTO events (type, user_id, actor_type, target_type, at) "
          "VALUES ('key.updated', $1::uuid, 'user', 'key', now() - make_interval(days => $2::integer))",
          userId, daysAgo);
      tx.commit();
    });
    ASSERT_TRUE(done) << describe(done.error());
  }

  // The user's events' ages in whole days, oldest first.
  std::vector<int64_t> agesInDays(const std::string& userId) {
    auto r = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<int64_t> out;
      for (const auto& row : tx.exec_params(
               "SELECT extract(day FROM now() - at)::bigint FROM events WHERE user_id = $1::uuid ORDER BY at",
               userId)) {
        out.push_back(row[0].as<int64_t>());
      }
      return out;
    });
    EXPECT_TRUE(r) << describe(r.error());
    return r.value_or(std::vector<int64_t>{});
  }

  // Holds `lockId` in a transaction of its own until the returned guard goes (another instance at work).
  struct HeldLock {
    store::pg::PgPool::Lease lease;
    std::unique_ptr<pqxx::work> tx;
  };
  std::unique_ptr<HeldLock> holdLock(store::pg::PgPool& pool, long long lockId) {
    auto lease = pool.acquire();
    EXPECT_TRUE(lease) << describe(lease.error());
    if (!lease) return nullptr;
    auto held = std::make_unique<HeldLock>(HeldLock{std::move(*lease), nullptr});
    held->tx = std::make_unique<pqxx::work>(held->lease.conn());
    held->tx->exec_params("SELECT pg_advisory_xact_lock($1::bigint)", lockId);
    return held;
  }

  // Prunes events older than a year until a prune was not skipped (the stack's instances prune too, with the same
  // cutoff, and may hold the lock).
  void pruneAYearBack(store::pg::PgAudit& audit) {
    for (int i = 0; i < 50; ++i) {
      auto r = audit.pruneEvents(clock_.now() - std::chrono::days(365));
      ASSERT_TRUE(r) << describe(r.error());
      if (!r->skipped) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "every prune was skipped";
  }

  SystemClock clock_;
  std::unique_ptr<store::pg::PgPool> pg_;
  events::WrittenCounts written_;
  std::string ann_, bob_;
};

std::vector<int64_t> seqsOf(const events::AuditPage& p) {
  std::vector<int64_t> out;
  for (const auto& e : p.events) out.push_back(e.seq);
  return out;
}

// Seven events paged three at a time: 3, 3, 1, newest first, each cursor continuing where the last page ended,
// next null on the last; the events read back as written.
TEST_F(AuditStoreTest, PagesNewestFirstThroughSeveralPages) {
  const auto written = append(ann_, 7);
  ASSERT_EQ(written.size(), 7u);
  store::pg::PgAudit audit(*pg_);
  events::AuditLog log(audit);
  std::vector<int64_t> seen;
  std::vector<size_t> sizes;
  events::AuditQuery q{3, std::nullopt};
  for (int page = 0; page < 5; ++page) {
    auto p = log.page(ann_, q);
    ASSERT_TRUE(p) << describe(p.error());
    sizes.push_back(p->events.size());
    const auto s = seqsOf(*p);
    seen.insert(seen.end(), s.begin(), s.end());
    if (!p->next) break;
    auto next = events::parseAuditQuery({std::nullopt, *p->next});
    ASSERT_TRUE(next);
    q.before = next->before;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));
  EXPECT_EQ(seen, std::vector<int64_t>(written.rbegin(), written.rend()));

  auto first = audit.userEvents(ann_, std::nullopt, 1);
  ASSERT_TRUE(first && first->size() == 1u);
  const auto& e = first->front();
  EXPECT_EQ(e.type, events::type::kKeyUpdated);
  EXPECT_EQ(e.userId, ann_);
  EXPECT_EQ(e.actor.kind, events::ActorKind::kUser);
  EXPECT_EQ(e.actor.id, ann_);
  EXPECT_EQ(e.origin.clientAddress, "127.0.0.1");
  EXPECT_EQ(e.origin.userAgent, "audit-test");
  EXPECT_EQ(nlohmann::json::parse(e.data), (nlohmann::json{{"i", 6}}));
  EXPECT_TRUE(std::chrono::abs(e.at - clock_.now()) < 1min);
}

// Bob's events and Ann's webhook.test are never in Ann's log.
TEST_F(AuditStoreTest, NeverShowsAnotherUsersEventsNorWebhookTests) {
  const auto anns = append(ann_, 2);
  append(bob_, 3);
  append(ann_, 1, events::type::kWebhookTest);
  store::pg::PgAudit audit(*pg_);
  auto rows = audit.userEvents(ann_, std::nullopt, 200);
  ASSERT_TRUE(rows) << describe(rows.error());
  std::vector<int64_t> seqs;
  for (const auto& e : *rows) {
    seqs.push_back(e.seq);
    EXPECT_EQ(e.userId, ann_);
  }
  EXPECT_EQ(seqs, (std::vector<int64_t>{anns[1], anns[0]}));
  // A malformed user id has no events (and no error).
  auto none = audit.userEvents("not-a-uuid", std::nullopt, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// The prune deletes events older than the cutoff and keeps the rest, however many batches it takes.
TEST_F(AuditStoreTest, PruneDeletesOnlyOldEvents) {
  for (int d : {800, 400, 366}) insertOld(ann_, d);
  for (int d : {364, 300, 1}) insertOld(ann_, d);
  append(ann_, 1);
  store::pg::PgAudit audit(*pg_);
  ASSERT_NO_FATAL_FAILURE(pruneAYearBack(audit));
  EXPECT_EQ(agesInDays(ann_), (std::vector<int64_t>{364, 300, 1, 0}));
}

// While another instance holds the prune's lock, a prune deletes nothing and says it was skipped.
TEST_F(AuditStoreTest, PruneRunsOnOneInstanceAtATime) {
  insertOld(ann_, 400);
  store::pg::PgAudit audit(*pg_);
  {
    auto other = makeTestPgPool(1);
    auto held = holdLock(*other, store::pg::sql::kAuditPruneLockId);
    ASSERT_TRUE(held);
    auto r = audit.pruneEvents(clock_.now() - std::chrono::days(365));
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_TRUE(r->skipped);
    EXPECT_EQ(r->rows, 0u);
    EXPECT_EQ(agesInDays(ann_).size(), 1u);
    held->tx->abort();
  }
  auto r = audit.pruneEvents(clock_.now() - std::chrono::days(365));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_TRUE(agesInDays(ann_).empty());
}

// --- the expiry scan

class ExpiryScanTest : public AuditStoreTest {
 protected:
  // A key of Ann's that expires `in` from now (negative: already expired); `before` (SQL, $1 the key's id) runs
  // before the expiry is set, so the stack's own scans never see the key without it.
  std::string keyExpiringIn(std::chrono::milliseconds in, const std::string& before = "") {
    auto ids = insertTestKeys(*pg_, ann_, 1, "exp");
    EXPECT_EQ(ids.size(), 1u);
    if (ids.empty()) return {};
    if (!before.empty()) exec(before, ids[0]);
    setExpiry(ids[0], clock_.now() + in);
    return ids[0];
  }
  void setExpiry(const std::string& keyId, SysTime at) {
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params0("UPDATE api_keys SET expires_at = to_timestamp($2::double precision / 1000) WHERE id = $1::uuid",
                      keyId, toUnixMillis(at));
      tx.commit();
    });
    ASSERT_TRUE(done) << describe(done.error());
  }
  void exec(const std::string& sql, const std::string& keyId) {
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params0(sql, keyId);
      tx.commit();
    });
    ASSERT_TRUE(done) << describe(done.error());
  }

  // Scans at `now` until a scan was not skipped (the stack's instances scan too, and may hold the lock).
  void scanAt(store::pg::PgExpiryScanner& scanner, SysTime now) {
    for (int i = 0; i < 50; ++i) {
      auto r = scanner.scanExpiries(now);
      ASSERT_TRUE(r) << describe(r.error());
      if (!r->skipped) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "every scan was skipped";
  }

  // The notices written for the user's keys, as "keyId type threshold" (threshold "-" for key.expired), counted;
  // each checked to be the system's, about the key, in its owner's log.
  std::map<std::string, int> notices() {
    auto r = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::map<std::string, int> out;
      for (const auto& row : tx.exec_params(
               "SELECT target_id, type, coalesce(data->>'threshold', '-'), actor_type, coalesce(actor_id, ''), "
               "target_type, data ? 'expiresAt' FROM events WHERE user_id = $1::uuid "
               "AND type IN ('key.expiring', 'key.expired')",
               ann_)) {
        EXPECT_EQ(row[3].as<std::string>(), "system");
        EXPECT_EQ(row[4].as<std::string>(), "");
        EXPECT_EQ(row[5].as<std::string>(), "key");
        EXPECT_TRUE(row[6].as<bool>());
        ++out[row[0].as<std::string>() + " " + row[1].as<std::string>() + " " + row[2].as<std::string>()];
      }
      return out;
    });
    EXPECT_TRUE(r) << describe(r.error());
    return r.value_or(std::map<std::string, int>{});
  }
};

// Repeated scans write each notice once; a key with 2 days left gets 7d, then 1d a day later, then expired; one
// with 12 hours left gets only 1d (the most specific); one already expired gets only expired; revoked, deleted,
// rotated, far-off and long-expired keys get nothing.
TEST_F(ExpiryScanTest, WritesEachNoticeOnceAcrossRepeatedScans) {
  const auto twoDays = keyExpiringIn(48h);
  const auto halfDay = keyExpiringIn(12h);
  const auto pastHour = keyExpiringIn(-1h);
  const auto farOff = keyExpiringIn(20 * 24h);  // still more than 7 days ahead at the last scan
  const auto longAgo = keyExpiringIn(-30 * 24h);
  const auto revoked = keyExpiringIn(48h, "UPDATE api_keys SET revoked_at = now() WHERE id = $1::uuid");
  const auto deleted = keyExpiringIn(48h, "UPDATE api_keys SET is_active = false WHERE id = $1::uuid");
  // A rotated key in its grace period: key.rotated told when it ends.
  const auto rotated = keyExpiringIn(12h, "UPDATE api_keys SET rotated_at = now() WHERE id = $1::uuid");
  store::pg::PgExpiryScanner scanner(*pg_, written_);
  const SysTime now = clock_.now();
  for (int i = 0; i < 3; ++i) scanAt(scanner, now);
  EXPECT_EQ(notices(), (std::map<std::string, int>{{twoDays + " key.expiring 7d", 1},
                                                   {halfDay + " key.expiring 1d", 1},
                                                   {pastHour + " key.expired -", 1}}));
  // A day and an hour later: the 2-day key is within a day, the 12-hour one has expired.
  for (int i = 0; i < 3; ++i) scanAt(scanner, now + 25h);
  EXPECT_EQ(notices(), (std::map<std::string, int>{{twoDays + " key.expiring 7d", 1},
                                                   {twoDays + " key.expiring 1d", 1},
                                                   {halfDay + " key.expiring 1d", 1},
                                                   {halfDay + " key.expired -", 1},
                                                   {pastHour + " key.expired -", 1}}));
  for (int i = 0; i < 2; ++i) scanAt(scanner, now + 72h);
  const auto last = notices();
  EXPECT_EQ(last.size(), 6u);
  EXPECT_EQ(last.count(twoDays + " key.expired -"), 1u);
  for (const auto& [k, n] : last) {
    EXPECT_EQ(n, 1) << k;
    for (const auto& none : {farOff, longAgo, revoked, deleted, rotated}) EXPECT_FALSE(k.starts_with(none)) << k;
  }
}

// Two scanners (two instances) scanning at once, again and again: every key's notice is written once.
TEST_F(ExpiryScanTest, TwoScannersAtOnceWriteEachNoticeOnce) {
  constexpr int kKeys = 60;
  auto ids = insertTestKeys(*pg_, ann_, kKeys, "exp");
  ASSERT_EQ(ids.size(), static_cast<size_t>(kKeys));
  exec(
      "UPDATE api_keys SET expires_at = now() + interval '3 days' WHERE user_id = (SELECT user_id FROM api_keys "
      "WHERE id = $1::uuid)",
      ids[0]);
  auto pgA = makeTestPgPool({.size = 1, .prepare = true});
  auto pgB = makeTestPgPool({.size = 1, .prepare = true});
  store::pg::PgExpiryScanner a(*pgA, written_), b(*pgB, written_);
  constexpr int kRounds = 5;
  std::barrier sync(2);
  std::atomic<uint64_t> written{0};
  std::atomic<int> failures{0};
  auto run = [&](store::pg::PgExpiryScanner& s) {
    for (int i = 0; i < kRounds; ++i) {
      sync.arrive_and_wait();
      auto r = s.scanExpiries(clock_.now());
      if (r) written += r->written[0];
      else ++failures;
    }
  };
  std::thread ta(run, std::ref(a)), tb(run, std::ref(b));
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  // The stack's instances may have written some of them; never more than one each in all.
  EXPECT_LE(written.load(), static_cast<uint64_t>(kKeys));
  scanAt(a, clock_.now());  // whatever a stack instance's lock made both skip
  const auto n = notices();
  ASSERT_EQ(n.size(), static_cast<size_t>(kKeys));
  for (const auto& [k, count] : n) EXPECT_EQ(count, 1) << k;
  for (const auto& id : ids) EXPECT_EQ(n.count(id + " key.expiring 7d"), 1u) << id;
}

// A key whose expiresAt moves gets notices of its own for the new expiry; the event says which expiry.
TEST_F(ExpiryScanTest, ANewExpiryGetsNewNotices) {
  const auto key = keyExpiringIn(48h);
  store::pg::PgExpiryScanner scanner(*pg_, written_);
  scanAt(scanner, clock_.now());
  setExpiry(key, clock_.now() + 96h);
  scanAt(scanner, clock_.now());
  scanAt(scanner, clock_.now());
  EXPECT_EQ(notices(), (std::map<std::string, int>{{key + " key.expiring 7d", 2}}));
  auto expiries = pg_->run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec_params1("SELECT count(DISTINCT data->>'expiresAt') FROM events WHERE target_id = $1", key)[0]
        .as<int64_t>();
  });
  ASSERT_TRUE(expiries);
  EXPECT_EQ(*expiries, 2);
}

// While another instance holds the scan's lock, a scan writes nothing and says it was skipped.
TEST_F(ExpiryScanTest, ScanRunsOnOneInstanceAtATime) {
  // The lock first: the stack's own instances scan every second and would otherwise notice the key first.
  auto other = makeTestPgPool(1);
  auto held = holdLock(*other, store::pg::sql::kExpiryScanLockId);
  ASSERT_TRUE(held);
  keyExpiringIn(48h);
  store::pg::PgExpiryScanner scanner(*pg_, written_);
  auto r = scanner.scanExpiries(clock_.now());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_TRUE(r->skipped);
  EXPECT_EQ(r->total(), 0u);
  EXPECT_TRUE(notices().empty());
  held->tx->abort();
}

// A notice goes through the outbox: the owner's webhook endpoint gets a delivery of it.
TEST_F(ExpiryScanTest, NoticesFanOutToTheOwnersWebhooks) {
  // The endpoint first: the stack's own scans may write the notice as soon as the key has its expiry.
  const auto key = keyExpiringIn(-1min,
                                 "INSERT INTO webhooks (user_id, url, secret_encrypted) SELECT user_id, "
                                 "'http://127.0.0.1:9/hook', 'sealed' FROM api_keys WHERE id = $1::uuid");
  store::pg::PgExpiryScanner scanner(*pg_, written_);
  scanAt(scanner, clock_.now());
  auto deliveries = pg_->run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx
        .exec_params1(
            "SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id "
            "JOIN webhooks w ON w.id = d.webhook_id WHERE e.target_id = $1 AND e.type = 'key.expired' "
            "AND w.user_id = e.user_id",
            key)[0]
        .as<int64_t>();
  });
  ASSERT_TRUE(deliveries) << describe(deliveries.error());
  EXPECT_EQ(*deliveries, 1);
}

// The prune drops expiry notices the scan no longer looks for (an expiresAt more than its lookback and a day ago),
// keeps newer ones, and so never makes the scan send a notice again.
TEST_F(ExpiryScanTest, PruneDropsOnlyNoticesTheScanNoLongerNeeds) {
  const auto lookback = std::chrono::duration_cast<std::chrono::milliseconds>(events::kExpiredLookback);
  const std::string old = keyExpiringIn(-(lookback + std::chrono::hours(25)));
  const std::string recent = keyExpiringIn(-std::chrono::hours(1));
  for (const auto& id : {old, recent}) {
    exec(
        "INSERT INTO key_expiry_notices (key_id, expires_at, threshold) SELECT id, expires_at, 'expired' "
        "FROM api_keys WHERE id = $1::uuid ON CONFLICT DO NOTHING",
        id);
  }
  store::pg::PgAudit audit(*pg_);
  ASSERT_NO_FATAL_FAILURE(pruneAYearBack(audit));
  auto left = pg_->run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::set<std::string> ids;
    for (const auto& row : tx.exec_params("SELECT key_id::text FROM key_expiry_notices WHERE key_id = ANY($1::uuid[])",
                                          "{" + old + "," + recent + "}"))
      ids.insert(row[0].as<std::string>());
    return ids;
  });
  ASSERT_TRUE(left) << describe(left.error());
  EXPECT_EQ(*left, (std::set<std::string>{recent}));
  // The recent key's notice still stops a key.expired (the stack's own scans may have written one before the
  // notice row went in; never a second).
  const std::string expired = recent + " key.expired -";
  const int before = notices()[expired];
  store::pg::PgExpiryScanner scanner(*pg_, written_);
  scanAt(scanner, clock_.now());
  EXPECT_EQ(notices()[expired], before);
  EXPECT_LE(before, 1);
}

}  // namespace
}  // namespace authd::testing
