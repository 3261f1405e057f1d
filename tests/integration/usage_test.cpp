// The usage write path against the test stack's Redis and PostgreSQL:
// RedisUsageQueue into PgUsageSink (key_usage). Pushes add up and a retried
// push counts once; a flusher that dies after committing chunks is finished by
// the next flush without counting them twice; two flushers at once count each
// row once; the tracker keeps counts in memory while Redis is down and in
// Redis while PostgreSQL is down; 100,000 keys arrive in one flush. Each test
// uses its own Redis key and its own user and keys (times near now, so the
// stack's own retention prune leaves them alone), and removes them afterwards.
#include "store/redis/redis_usage_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/pg_usage_sink.hpp"
#include "support/api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"
#include "verify/usage.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;
using store::redis::RedisUsageQueue;
using verify::Outcome;
using verify::OutcomeCounts;
using verify::UsageChunk;
using verify::UsageRow;

using Table = std::map<std::pair<std::string, int64_t>, OutcomeCounts>;

OutcomeCounts one(Outcome o, int64_t n = 1) {
  OutcomeCounts c{};
  c[static_cast<size_t>(o)] = n;
  return c;
}

// Forwards to the real sink, remembers the chunk ids it applied, and can be told to fail right after
// applying the chunk with a given index (a flusher that dies after its commit).
class ProbeSink final : public verify::UsageSink {
 public:
  explicit ProbeSink(verify::UsageSink& inner, int dieAfter = -1) : inner_(inner), dieAfter_(dieAfter) {}
  Result<bool> addUsage(std::string_view chunkId, const std::vector<UsageRow>& rows) override {
    auto r = inner_.addUsage(chunkId, rows);
    std::lock_guard lock(mu_);
    if (r && *r) applied_.emplace_back(chunkId);
    if (r && *r) rows_ += rows.size();
    if (r && dieAfter_ >= 0 && calls_++ == dieAfter_) return fail(Code::kInternal, "the flusher died");
    return r;
  }
  Result<size_t> pruneUsage(int64_t a, int64_t b) override { return inner_.pruneUsage(a, b); }
  std::vector<std::string> applied() {
    std::lock_guard lock(mu_);
    return applied_;
  }
  size_t rows() {
    std::lock_guard lock(mu_);
    return rows_;
  }

 private:
  verify::UsageSink& inner_;
  const int dieAfter_;
  std::mutex mu_;
  std::vector<std::string> applied_;
  size_t rows_ = 0;
  int calls_ = 0;
};

class UsageWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();  // fails, with the reason, without the stack
    pg_ = makeTestPgPool({.size = 4, .prepare = true, .statementTimeout = std::chrono::milliseconds(30000)});
    redis_ = makeTestRedisPool(4);
    sink_ = std::make_unique<store::pg::PgUsageSink>(*pg_);
    queueKey_ = "authd:test:usage:" + crypto::uuidV4();
    queue_ = makeQueue(*redis_);
    minute_ = verify::usageMinute(toUnixMillis(clock_.now()));

    userId_ = insertTestUser(*pg_, "usage");
    ASSERT_FALSE(userId_.empty());
  }

  void TearDown() override {
    if (redis_ && queue_) {
      if (auto lease = redis_->acquire()) {
        (void)lease->command({"DEL", queue_->key(), queue_->flushingKey(), queue_->tokenKey(), queue_->lockKey()});
      }
    }
    if (pg_) deleteTestUser(*pg_, userId_);  // cascades to api_keys, key_usage
  }

  std::unique_ptr<RedisUsageQueue> makeQueue(store::redis::RedisPool& pool, size_t rowsPerChunk = 5000) {
    return std::make_unique<RedisUsageQueue>(pool, queueKey_, 30s, rowsPerChunk, 120s);
  }

  // Inserts n api_keys rows for the test user; their ids.
  std::vector<std::string> insertKeys(int n) { return insertTestKeys(*pg_, userId_, n, "us"); }

  // key_usage of the test user's keys.
  Table stored() {
    auto rows = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      Table out;
      for (const auto& row : tx.exec_params(
               "SELECT u.key_id::text, extract(epoch FROM u.minute)::bigint, valid, rate_limited, usage_exceeded, "
               "disabled, expired, revoked, other FROM key_usage u JOIN api_keys k ON k.id = u.key_id "
               "WHERE k.user_id = $1::uuid",
               userId_)) {
        OutcomeCounts c{};
        for (size_t o = 0; o < verify::kOutcomeCount; ++o) c[o] = row[static_cast<int>(2 + o)].as<int64_t>();
        out[{row[0].as<std::string>(), row[1].as<int64_t>()}] = c;
      }
      return out;
    });
    EXPECT_TRUE(rows) << describe(rows.error());
    return rows ? *rows : Table{};
  }

  int64_t redisInt(std::initializer_list<std::string_view> cmd) {
    auto lease = redis_->acquire();
    if (!lease) return -1;
    auto r = lease->command(cmd);
    return r && (*r)->type == REDIS_REPLY_INTEGER ? (*r)->integer : -1;
  }

  SystemClock clock_;
  std::unique_ptr<store::pg::PgPool> pg_;
  std::unique_ptr<store::redis::RedisPool> redis_;
  std::unique_ptr<store::pg::PgUsageSink> sink_;
  std::string queueKey_;
  std::unique_ptr<RedisUsageQueue> queue_;
  int64_t minute_ = 0;
  std::string userId_;
};

// Pushes add up per key and minute in key_usage, across flushes; rows of ids that are no key (a well-formed
// unknown one, a malformed one) are dropped without blocking the rest; the queue is left empty.
TEST_F(UsageWriteTest, PushesAddUpAndUnknownKeysAreDropped) {
  const auto ids = insertKeys(2);
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_TRUE(queue_->push({UsageChunk{"t1",
                                       {{ids[0], minute_, one(Outcome::kValid, 2)},
                                        {ids[1], minute_ - 60, one(Outcome::kExpired)},
                                        {crypto::uuidV4(), minute_, one(Outcome::kValid)},
                                        {"not-a-uuid", minute_, one(Outcome::kValid)}}},
                            UsageChunk{"t2", {{ids[0], minute_, one(Outcome::kRateLimited, 3)}}}}));
  auto n = queue_->flush(*sink_);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 4u);
  OutcomeCounts first = one(Outcome::kValid, 2);
  first[static_cast<size_t>(Outcome::kRateLimited)] = 3;
  Table want{{{ids[0], minute_}, first}, {{ids[1], minute_ - 60}, one(Outcome::kExpired)}};
  EXPECT_EQ(stored(), want);
  EXPECT_EQ(redisInt({"EXISTS", queue_->key(), queue_->flushingKey(), queue_->tokenKey(), queue_->lockKey()}), 0);

  ASSERT_TRUE(queue_->push({UsageChunk{"t3", {{ids[0], minute_, one(Outcome::kValid, 5)}}}}));
  n = queue_->flush(*sink_);
  ASSERT_TRUE(n) << describe(n.error());
  want[{ids[0], minute_}][static_cast<size_t>(Outcome::kValid)] += 5;
  EXPECT_EQ(stored(), want);
  // Nothing queued: nothing to do.
  n = queue_->flush(*sink_);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 0u);
}

// A push retried with the same token (its reply was lost) is not counted twice, even after a flush between.
TEST_F(UsageWriteTest, RetriedPushWithTheSameTokenCountsOnce) {
  const auto ids = insertKeys(1);
  ASSERT_EQ(ids.size(), 1u);
  const std::vector<UsageChunk> chunks{UsageChunk{crypto::uuidV4(), {{ids[0], minute_, one(Outcome::kValid, 4)}}}};
  ASSERT_TRUE(queue_->push(chunks));
  ASSERT_TRUE(queue_->push(chunks));
  ASSERT_TRUE(queue_->flush(*sink_));
  ASSERT_TRUE(queue_->push(chunks));
  ASSERT_TRUE(queue_->flush(*sink_));
  EXPECT_EQ(stored(), (Table{{{ids[0], minute_}, one(Outcome::kValid, 4)}}));
}

// A flusher that dies after committing some chunks (here after chunk 1 of 3, or after the last one, before it
// could delete the processing key) leaves the frozen hash; the next flush reruns it with the same chunk ids,
// skips what was applied, and every count arrives exactly once. Rows pushed meanwhile follow.
TEST_F(UsageWriteTest, FlusherDyingAfterACommitCountsNothingTwice) {
  for (int dieAfter : {1, 2}) {
    SCOPED_TRACE("dies after chunk " + std::to_string(dieAfter));
    TearDown();
    SetUp();
    const auto ids = insertKeys(6);
    ASSERT_EQ(ids.size(), 6u);
    queue_ = makeQueue(*redis_, 2);  // 6 rows: chunks 0, 1, 2
    std::vector<UsageRow> rows;
    for (int i = 0; i < 6; ++i) rows.push_back({ids[i], minute_, one(Outcome::kValid, i + 1)});
    ASSERT_TRUE(queue_->push({UsageChunk{crypto::uuidV4(), rows}}));

    ProbeSink dying(*sink_, dieAfter);
    auto n = queue_->flush(dying);
    ASSERT_FALSE(n);
    EXPECT_EQ(dying.applied().size(), static_cast<size_t>(dieAfter + 1));
    EXPECT_EQ(redisInt({"EXISTS", queue_->flushingKey()}), 1) << "the frozen hash stays for the next flush";
    ASSERT_TRUE(queue_->push({UsageChunk{crypto::uuidV4(), {{ids[0], minute_, one(Outcome::kRevoked)}}}}));

    // Another instance (a queue object with a different chunk size) finishes it.
    auto redis2 = makeTestRedisPool(2);
    auto other = makeQueue(*redis2, 1000);
    ProbeSink next(*sink_);
    n = other->flush(next);
    ASSERT_TRUE(n) << describe(n.error());
    const auto before = dying.applied();
    for (const auto& id : next.applied()) {
      EXPECT_EQ(std::count(before.begin(), before.end(), id), 0) << id << " applied twice";
    }
    Table want;
    for (int i = 0; i < 6; ++i) want[{ids[i], minute_}] = one(Outcome::kValid, i + 1);
    want[{ids[0], minute_}][static_cast<size_t>(Outcome::kRevoked)] = 1;
    EXPECT_EQ(stored(), want);
    EXPECT_EQ(redisInt({"EXISTS", queue_->key(), queue_->flushingKey(), queue_->tokenKey()}), 0);
  }
}

// Two flushers at once (their own pools and queue objects) over 20,000 queued rows: every row counted once.
TEST_F(UsageWriteTest, TwoFlushersAtOnceCountEachRowOnce) {
  constexpr int kKeys = 20'000;
  const auto ids = insertKeys(kKeys);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kKeys));
  std::vector<UsageChunk> chunks;
  for (int i = 0; i < kKeys; ++i) {
    if (i % 1000 == 0) chunks.push_back(UsageChunk{crypto::uuidV4(), {}});
    chunks.back().rows.push_back({ids[i], minute_, one(Outcome::kValid, 1 + i % 3)});
  }
  ASSERT_TRUE(queue_->push(chunks));
  queue_ = makeQueue(*redis_, 1000);
  auto redis2 = makeTestRedisPool(2);
  auto queue2 = makeQueue(*redis2, 1000);
  ProbeSink probe(*sink_);
  Result<size_t> r1 = 0, r2 = 0;
  std::barrier sync(2);
  std::thread a([&] {
    sync.arrive_and_wait();
    r1 = queue_->flush(probe);
  });
  std::thread b([&] {
    sync.arrive_and_wait();
    r2 = queue2->flush(probe);
  });
  a.join();
  b.join();
  ASSERT_TRUE(r1) << describe(r1.error());
  ASSERT_TRUE(r2) << describe(r2.error());
  EXPECT_EQ(*r1 + *r2, static_cast<size_t>(kKeys));
  const auto applied = probe.applied();
  EXPECT_EQ(std::set<std::string>(applied.begin(), applied.end()).size(), applied.size());
  const auto rows = stored();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kKeys));
  int wrong = 0;
  for (int i = 0; i < kKeys; ++i) {
    const auto it = rows.find({ids[i], minute_});
    if (it == rows.end() || it->second != one(Outcome::kValid, 1 + i % 3)) ++wrong;
  }
  EXPECT_EQ(wrong, 0) << "rows whose counts are not the pushed ones";
}

// Redis down: the tracker keeps the counts in memory (push fails, pending stays); when Redis is back the next
// push sends them, and the flush writes them once.
TEST_F(UsageWriteTest, RedisDownCountsWaitInMemory) {
  const auto ids = insertKeys(2);
  ASSERT_EQ(ids.size(), 2u);
  verify::UsageTracker tracker(*queue_, *sink_, clock_);
  const int64_t now = toUnixMillis(clock_.now());
  tracker.record(ids[0], now, Outcome::kValid);
  {
    ServiceOutage outage("Redis", "redis-stop", [] { return stack("redis-start") == 0; });
    ASSERT_TRUE(outage.stopped()) << "scripts/stack.sh redis-stop failed";
    EXPECT_FALSE(tracker.push());
    tracker.record(ids[0], now, Outcome::kValid);
    tracker.record(ids[1], now, Outcome::kDisabled);
    EXPECT_FALSE(tracker.push());
    EXPECT_GE(tracker.pushFailures(), 2u);
    EXPECT_EQ(tracker.pending(), 3u) << "one row waiting for a retry, two recorded since";
    EXPECT_FALSE(tracker.flush());
  }
  EXPECT_TRUE(eventually([&] { return tracker.push(); }, 10s));
  EXPECT_EQ(tracker.pending(), 0u);
  ASSERT_TRUE(tracker.flush());
  const int64_t m = verify::usageMinute(now);
  EXPECT_EQ(stored(), (Table{{{ids[0], m}, one(Outcome::kValid, 2)}, {{ids[1], m}, one(Outcome::kDisabled)}}));
}

// PostgreSQL down: flushes fail and the counts wait in Redis; when it is back they arrive, once.
TEST_F(UsageWriteTest, PostgresDownCountsWaitInRedis) {
  const auto ids = insertKeys(1);
  ASSERT_EQ(ids.size(), 1u);
  verify::UsageTracker tracker(*queue_, *sink_, clock_);
  const int64_t now = toUnixMillis(clock_.now());
  {
    ServiceOutage outage("PostgreSQL", "pg-stop", [] { return stack("pg-start") == 0; });
    ASSERT_TRUE(outage.stopped()) << "scripts/stack.sh pg-stop failed";
    tracker.record(ids[0], now, Outcome::kValid);
    ASSERT_TRUE(tracker.push());
    EXPECT_FALSE(tracker.flush());
    EXPECT_FALSE(tracker.flush());
    EXPECT_GT(redisInt({"HLEN", queue_->flushingKey()}), 0) << "the counts wait in Redis";
    tracker.record(ids[0], now, Outcome::kValid);
    ASSERT_TRUE(tracker.push());
  }
  EXPECT_TRUE(eventually([&] { return tracker.flush(); }, 20s));
  EXPECT_EQ(stored(), (Table{{{ids[0], verify::usageMinute(now)}, one(Outcome::kValid, 2)}}));
  EXPECT_EQ(redisInt({"EXISTS", queue_->key(), queue_->flushingKey()}), 0);
}

// The retention prune deletes usage minutes before its cutoff and chunk markers applied before theirs, and
// nothing newer.
TEST_F(UsageWriteTest, PruneDeletesOnlyPastTheCutoffs) {
  const auto ids = insertKeys(1);
  ASSERT_EQ(ids.size(), 1u);
  const std::string oldChunk = "test-old-" + crypto::uuidV4(), newChunk = "test-new-" + crypto::uuidV4();
  ASSERT_TRUE(sink_->addUsage(oldChunk, {{ids[0], minute_ - 3 * 86'400, one(Outcome::kValid)},
                                         {ids[0], minute_ - 86'400 + 60, one(Outcome::kValid)}}));
  ASSERT_TRUE(sink_->addUsage(newChunk, {{ids[0], minute_, one(Outcome::kValid)}}));
  auto aged = pg_->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("UPDATE usage_flushes SET applied_at = now() - interval '2 days' WHERE chunk = $1", oldChunk);
    tx.commit();
  });
  ASSERT_TRUE(aged) << describe(aged.error());
  const int64_t now = toUnixSeconds(clock_.now());
  auto pruned = sink_->pruneUsage(minute_ - 86'400, now - 86'400);
  ASSERT_TRUE(pruned) << describe(pruned.error());
  EXPECT_GE(*pruned, 2u);
  EXPECT_EQ(stored(), (Table{{{ids[0], minute_ - 86'400 + 60}, one(Outcome::kValid)},
                             {{ids[0], minute_}, one(Outcome::kValid)}}));
  auto markers = pg_->run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec_params1(
        "SELECT count(*) FILTER (WHERE chunk = $1), count(*) FILTER (WHERE chunk = $2) "
        "FROM usage_flushes",
        oldChunk, newChunk);
  });
  ASSERT_TRUE(markers) << describe(markers.error());
  EXPECT_EQ((*markers)[0].as<int>(), 0) << "a marker older than its cutoff is deleted";
  EXPECT_EQ((*markers)[1].as<int>(), 1);
}

// 100,000 distinct keys used once in one interval reach key_usage in one flush (its timing is the benchmark's).
TEST_F(UsageWriteTest, HundredThousandKeysInOneFlush) {
  constexpr int kKeys = 100'000;
  const auto ids = insertKeys(kKeys);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kKeys));
  verify::UsageTracker tracker(*queue_, *sink_, clock_);
  const int64_t now = toUnixMillis(clock_.now());
  for (const auto& id : ids) tracker.record(id, now, Outcome::kValid);
  ASSERT_TRUE(tracker.push());
  ASSERT_TRUE(tracker.flush());
  EXPECT_EQ(tracker.rowsFlushed(), static_cast<uint64_t>(kKeys));
  const auto rows = stored();
  EXPECT_EQ(rows.size(), static_cast<size_t>(kKeys));
  int wrong = 0;
  for (const auto& [k, c] : rows) wrong += c != one(Outcome::kValid);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(redisInt({"EXISTS", queue_->key(), queue_->flushingKey()}), 0);
}

}  // namespace
}  // namespace authd::testing
