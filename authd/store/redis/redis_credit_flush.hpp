// Live credit balances back to PostgreSQL. /verify spends credits in Redis
// (hash `<prefix><keyId>` with fields v = grant version, r = remaining,
// p = refill period) and marks the key dirty (ZADD `<prefix>dirty` nowMs id).
// This job, under a lock shared by every instance (`<prefix>lock`), reads
// dirty keys with their scores, writes their balances to PostgreSQL in one
// statement per batch (only onto the grant they belong to), then removes
// each key from the dirty set only if neither its score nor its balance
// changed since it was read: a spend during the flush stays dirty, and
// balances wait in Redis while PostgreSQL is down.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/flush_job.hpp"
#include "keys/key_store.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::store::redis {

class RedisCreditFlush final : public FlushJob {
 public:
  // A flush writes at most `maxKeys` dirty keys (later ones wait for the next), `batchSize` per statement.
  RedisCreditFlush(RedisPool& pool, keys::CreditSink& sink, std::string prefix = "authd:cr:", size_t batchSize = 5000,
                   size_t maxKeys = 200'000, std::chrono::milliseconds lockTtl = std::chrono::milliseconds(30000));

  std::string_view name() const override { return "credits"; }
  bool flush() override;

  // One flush: how many balances it wrote (0 when another instance holds the lock).
  Result<size_t> flushOnce();

  const std::string& dirtyKey() const { return dirtyKey_; }
  const std::string& lockKey() const { return lockKey_; }
  std::string balanceKey(std::string_view keyId) const { return prefix_ + std::string(keyId); }

  uint64_t flushedRows() const { return flushedRows_.load(std::memory_order_relaxed); }
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  RedisPool& pool_;
  keys::CreditSink& sink_;
  const std::string prefix_;
  const std::string dirtyKey_;
  const std::string lockKey_;
  const size_t batchSize_;
  const size_t maxKeys_;
  const std::chrono::milliseconds lockTtl_;
  std::atomic<uint64_t> flushedRows_{0};
  std::atomic<uint64_t> failures_{0};
  bool failing_ = false;  // only the tracker's thread flushes
};

}  // namespace authd::store::redis
