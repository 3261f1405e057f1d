// The usage queue shared by every authd instance, in Redis. Counts go into one
// hash (field `<keyId>:<minute>:<outcome>`, HINCRBY); each push chunk is one
// script that first sets a marker for its token (SET NX PX), so a chunk pushed
// again after a lost reply adds nothing. A flush takes a lock, freezes the
// live hash by renaming it to a processing key with a fresh token, reads it,
// splits it deterministically (rows sorted, fixed rows per chunk, the size
// part of the token) and hands chunk i to the sink as `<token>:<i>`, which
// applies each chunk id once (up to `writers` chunks at a time, each on its own
// PostgreSQL connection); then it deletes the processing key. A flusher
// that dies leaves the processing key and its token behind: the next flush,
// by any instance, reruns it first, and the chunks already applied are skipped.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "store/redis/redis_pool.hpp"
#include "verify/usage.hpp"

namespace authd::store::redis {

class RedisUsageQueue final : public verify::UsageQueue {
 public:
  // `key` names the live hash; the processing key, its token and the lock are `key`:flushing,
  // `key`:flushing:token and `key`:lock, push markers `key`:pushed:<token> (kept `markerTtl`).
  // The lock expires after `lockTtl` unless the flush holding it keeps renewing it (each chunk does).
  explicit RedisUsageQueue(RedisPool& pool, std::string key = "authd:usage",
                           std::chrono::milliseconds lockTtl = std::chrono::milliseconds(30'000),
                           size_t rowsPerChunk = 5000,
                           std::chrono::milliseconds markerTtl = std::chrono::milliseconds(3'600'000),
                           size_t writers = 2);

  // One script per chunk, every chunk pipelined in one round trip.
  Status push(const std::vector<verify::UsageChunk>& chunks) override;
  // Returns 0 without doing anything when another instance holds the lock.
  Result<size_t> flush(verify::UsageSink& sink) override;

  const std::string& key() const { return key_; }
  const std::string& flushingKey() const { return flushingKey_; }
  const std::string& tokenKey() const { return tokenKey_; }
  const std::string& lockKey() const { return lockKey_; }
  std::string markerKey(std::string_view token) const { return key_ + ":pushed:" + std::string(token); }

 private:
  RedisPool& pool_;
  const std::string key_;
  const std::string flushingKey_;
  const std::string tokenKey_;
  const std::string lockKey_;
  const std::chrono::milliseconds lockTtl_;
  const size_t rowsPerChunk_;
  const std::chrono::milliseconds markerTtl_;
  const size_t writers_;
};

}  // namespace authd::store::redis
