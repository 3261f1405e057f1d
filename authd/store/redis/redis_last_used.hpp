// The lastUsedAt queue shared by every authd instance, in Redis. Uses go into
// a sorted set (member = key id, score = ms; ZADD GT keeps the latest). A
// flush takes a lock, renames the set to a processing key, writes it to
// PostgreSQL chunk by chunk (removing each chunk once written) and releases
// the lock. A flusher that dies leaves the processing key behind; the next
// flush, by any instance, finishes it first. So several instances never
// flush the same uses twice, and nothing that reached Redis is lost.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "store/redis/redis_pool.hpp"
#include "verify/last_used.hpp"

namespace authd::store::redis {

class RedisLastUsedQueue final : public verify::LastUsedQueue {
 public:
  // `key` names the set; the processing key and the lock are `key`:flushing and `key`:lock.
  // The lock expires after `lockTtl` unless the flush holding it keeps renewing it (each chunk does).
  // A flush writes up to `writers` batches at once (each on its own PostgreSQL connection).
  explicit RedisLastUsedQueue(RedisPool& pool, std::string key = "authd:lastused",
                              std::chrono::milliseconds lockTtl = std::chrono::milliseconds(30000), size_t writers = 2);

  // ZADD GT, 1000 pairs per command, pipelined in one round trip.
  Status push(const std::vector<keys::KeyUse>& uses) override;
  // Returns 0 without doing anything when another instance holds the lock.
  Result<size_t> flush(keys::LastUsedSink& store, size_t batchSize) override;

  const std::string& key() const { return key_; }
  const std::string& flushingKey() const { return flushingKey_; }
  const std::string& lockKey() const { return lockKey_; }

 private:
  Status writeBatches(keys::LastUsedSink& store, const std::vector<keys::KeyUse>& uses, size_t batchSize);

  RedisPool& pool_;
  const std::string key_;
  const std::string flushingKey_;
  const std::string lockKey_;
  const std::chrono::milliseconds lockTtl_;
  const size_t writers_;
};

}  // namespace authd::store::redis
