// RedisLastUsedQueue against the test stack's Redis and PostgreSQL (through
// PgKeyStore): pushed uses reach api_keys.last_used_at with the max time,
// racing flushers write every row exactly once, and a flush that died after
// taking the queue is finished by the next one. Each test uses its own Redis
// key and its own user and keys, and removes them afterwards.
#include "store/redis/redis_last_used.hpp"

#include <gtest/gtest.h>

#include <barrier>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/pg_key_store.hpp"
#include "support/api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using store::redis::RedisLastUsedQueue;

constexpr int64_t kBaseMs = 1'700'000'000'123;

// Forwards touchLastUsed to the real store and remembers every key id it was given, per call.
class RecordingStore final : public keys::LastUsedSink {
 public:
  explicit RecordingStore(keys::LastUsedSink& inner) : inner_(inner) {}
  Status touchLastUsed(const std::vector<keys::KeyUse>& uses) override {
    auto s = inner_.touchLastUsed(uses);
    if (s) {
      std::lock_guard lock(mu_);
      ++batches_;
      for (const auto& u : uses) ++written_[u.keyId];
    }
    return s;
  }
  std::map<std::string, int> written() {
    std::lock_guard lock(mu_);
    return written_;
  }
  int batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  keys::LastUsedSink& inner_;
  std::mutex mu_;
  std::map<std::string, int> written_;
  int batches_ = 0;
};

class LastUsedRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();  // fails, with the reason, without the stack
    pg_ = makeTestPgPool({.size = 4, .prepare = true, .statementTimeout = std::chrono::milliseconds(10000)});
    redis_ = makeTestRedisPool(4);
    keys_ = std::make_unique<store::pg::PgKeyStore>(*pg_, eventsWritten_);
    queue_ = std::make_unique<RedisLastUsedQueue>(*redis_, "authd:test:lastused:" + crypto::uuidV4());

    userId_ = insertTestUser(*pg_, "lastused");
    ASSERT_FALSE(userId_.empty());
  }

  void TearDown() override {
    if (redis_ && queue_) {
      if (auto lease = redis_->acquire()) {
        (void)lease->command({"DEL", queue_->key(), queue_->flushingKey(), queue_->lockKey()});
      }
    }
    if (pg_) deleteTestUser(*pg_, userId_);
  }

  // Inserts n api_keys rows for the test user; their ids.
  std::vector<std::string> insertKeys(int n) { return insertTestKeys(*pg_, userId_, n, "lu"); }

  // last_used_at of the test user's keys, in ms (nullopt: never used).
  std::map<std::string, std::optional<int64_t>> lastUsed() {
    auto rows = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::map<std::string, std::optional<int64_t>> out;
      for (const auto& row :
           tx.exec_params("SELECT id::text, (extract(epoch FROM last_used_at) * 1000)::bigint FROM api_keys "
                          "WHERE user_id = $1::uuid",
                          userId_)) {
        out[row[0].as<std::string>()] = row[1].is_null() ? std::nullopt : std::optional(row[1].as<int64_t>());
      }
      return out;
    });
    EXPECT_TRUE(rows) << describe(rows.error());
    return rows ? *rows : std::map<std::string, std::optional<int64_t>>{};
  }

  int64_t redisExists(const std::string& key) {
    auto lease = redis_->acquire();
    if (!lease) return -1;
    auto r = lease->command({"EXISTS", key});
    return r && (*r)->type == REDIS_REPLY_INTEGER ? (*r)->integer : -1;
  }

  std::unique_ptr<store::pg::PgPool> pg_;
  std::unique_ptr<store::redis::RedisPool> redis_;
  events::WrittenCounts eventsWritten_;
  std::unique_ptr<store::pg::PgKeyStore> keys_;
  std::unique_ptr<RedisLastUsedQueue> queue_;
  std::string userId_;
};

// Uses pushed in several batches reach PostgreSQL as the max per key (to the ms), and the queue is left empty;
// a later, older use does not move last_used_at back.
TEST_F(LastUsedRedisTest, PushThenFlushWritesTheMax) {
  const auto ids = insertKeys(2);
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_TRUE(queue_->push({{ids[0], kBaseMs + 1000}, {ids[1], kBaseMs + 2000}}));
  ASSERT_TRUE(queue_->push({{ids[0], kBaseMs + 500}, {ids[1], kBaseMs + 3000}}));

  auto n = queue_->flush(*keys_, 5000);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 2u);
  auto rows = lastUsed();
  EXPECT_EQ(rows[ids[0]], kBaseMs + 1000);
  EXPECT_EQ(rows[ids[1]], kBaseMs + 3000);
  EXPECT_EQ(redisExists(queue_->key()), 0);
  EXPECT_EQ(redisExists(queue_->flushingKey()), 0);
  EXPECT_EQ(redisExists(queue_->lockKey()), 0) << "the lock must be released";

  ASSERT_TRUE(queue_->push({{ids[0], kBaseMs}}));
  n = queue_->flush(*keys_, 5000);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(lastUsed()[ids[0]], kBaseMs + 1000);

  // Nothing queued: nothing to do.
  n = queue_->flush(*keys_, 5000);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 0u);
}

// Two flushers racing over 20,000 queued keys: every row is written exactly once and the counts add up.
TEST_F(LastUsedRedisTest, RacingFlushersWriteEachRowOnce) {
  constexpr int kKeys = 20'000;
  const auto ids = insertKeys(kKeys);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kKeys));
  std::vector<keys::KeyUse> uses;
  for (int i = 0; i < kKeys; ++i) uses.push_back({ids[i], kBaseMs + i});
  ASSERT_TRUE(queue_->push(uses));

  // Two instances: their own Redis pools and queue objects over the same key.
  auto redis2 = makeTestRedisPool(2);
  RedisLastUsedQueue queue2(*redis2, queue_->key());
  RecordingStore recording(*keys_);
  Result<size_t> r1 = 0, r2 = 0;
  std::barrier sync(2);
  std::thread a([&] {
    sync.arrive_and_wait();
    r1 = queue_->flush(recording, 1000);
  });
  std::thread b([&] {
    sync.arrive_and_wait();
    r2 = queue2.flush(recording, 1000);
  });
  a.join();
  b.join();
  ASSERT_TRUE(r1) << describe(r1.error());
  ASSERT_TRUE(r2) << describe(r2.error());
  EXPECT_EQ(*r1 + *r2, static_cast<size_t>(kKeys)) << "flusher 1: " << *r1 << ", flusher 2: " << *r2;

  const auto written = recording.written();
  EXPECT_EQ(written.size(), static_cast<size_t>(kKeys));
  int twice = 0;
  for (const auto& [id, count] : written) twice += count > 1;
  EXPECT_EQ(twice, 0) << "rows written more than once";
  EXPECT_EQ(recording.batches(), kKeys / 1000) << "one statement per batch";

  const auto rows = lastUsed();
  int wrong = 0;
  for (int i = 0; i < kKeys; ++i) {
    const auto it = rows.find(ids[i]);
    if (it == rows.end() || it->second != kBaseMs + i) ++wrong;
  }
  EXPECT_EQ(wrong, 0) << "rows whose last_used_at is not the pushed time";
  EXPECT_EQ(redisExists(queue_->key()), 0);
  EXPECT_EQ(redisExists(queue_->flushingKey()), 0);
}

// A flusher that died after RENAME (and after writing part of it) leaves the processing key; the next flush
// finishes it first, then flushes what was pushed since.
TEST_F(LastUsedRedisTest, LeftoverProcessingKeyIsCompletedByTheNextFlush) {
  const auto ids = insertKeys(3);
  ASSERT_EQ(ids.size(), 3u);
  ASSERT_TRUE(queue_->push({{ids[0], kBaseMs + 10}, {ids[1], kBaseMs + 20}}));
  {
    auto lease = redis_->acquire();
    ASSERT_TRUE(lease);
    auto r = lease->command({"RENAME", queue_->key(), queue_->flushingKey()});
    ASSERT_TRUE(r);
    ASSERT_NE((*r)->type, REDIS_REPLY_ERROR) << (*r)->str;
  }
  // Pushed after the crash: a new live set next to the leftover, with a newer use of a leftover key.
  ASSERT_TRUE(queue_->push({{ids[1], kBaseMs + 25}, {ids[2], kBaseMs + 30}}));

  RecordingStore recording(*keys_);
  auto n = queue_->flush(recording, 1);  // one row per batch: several round trips through the leftover
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 4u);  // 2 leftover + 2 live
  auto rows = lastUsed();
  EXPECT_EQ(rows[ids[0]], kBaseMs + 10);
  EXPECT_EQ(rows[ids[1]], kBaseMs + 25);
  EXPECT_EQ(rows[ids[2]], kBaseMs + 30);
  EXPECT_EQ(redisExists(queue_->key()), 0);
  EXPECT_EQ(redisExists(queue_->flushingKey()), 0);
}

// While another instance holds the flush lock, a flush does nothing and loses nothing.
TEST_F(LastUsedRedisTest, FlushSkipsWhileAnotherInstanceHoldsTheLock) {
  const auto ids = insertKeys(1);
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_TRUE(queue_->push({{ids[0], kBaseMs}}));
  {
    auto lease = redis_->acquire();
    ASSERT_TRUE(lease);
    ASSERT_TRUE(lease->command({"SET", queue_->lockKey(), "someone-else", "PX", "30000"}));
  }
  auto n = queue_->flush(*keys_, 5000);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(lastUsed()[ids[0]], std::nullopt);
  EXPECT_EQ(redisExists(queue_->lockKey()), 1) << "someone else's lock must not be released";

  {
    auto lease = redis_->acquire();
    ASSERT_TRUE(lease);
    ASSERT_TRUE(lease->command({"DEL", queue_->lockKey()}));
  }
  n = queue_->flush(*keys_, 5000);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(lastUsed()[ids[0]], kBaseMs);
}

// The tracker end to end: recorded uses reach PostgreSQL through Redis within the flush interval, and stop()
// flushes what is left.
TEST_F(LastUsedRedisTest, TrackerMovesUsesToPostgres) {
  const auto ids = insertKeys(2);
  ASSERT_EQ(ids.size(), 2u);
  verify::LastUsedOptions o;
  o.pushInterval = std::chrono::milliseconds(50);
  o.flushInterval = std::chrono::milliseconds(300);
  SystemClock clock;
  verify::LastUsedTracker tracker(*queue_, *keys_, clock, o);
  tracker.start();
  tracker.record(ids[0], kBaseMs + 1);
  tracker.record(ids[0], kBaseMs + 7);
  EXPECT_TRUE(eventually([&] { return lastUsed()[ids[0]] == kBaseMs + 7; }, std::chrono::milliseconds(2000)));
  tracker.record(ids[1], kBaseMs + 9);
  tracker.stop();
  EXPECT_EQ(lastUsed()[ids[1]], kBaseMs + 9);
  EXPECT_EQ(tracker.directWrites(), 0u);
  EXPECT_EQ(tracker.flushedRows(), 2u);
}

}  // namespace
}  // namespace authd::testing
