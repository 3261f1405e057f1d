// The lock that lets one authd instance at a time flush a shared Redis queue
// to PostgreSQL (lastUsedAt, credit balances): SET NX PX with a random token,
// renewed while the flush goes on, released only while it still holds that
// token, so a flusher whose lock expired never frees its successor's.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "store/redis/redis_lock.hpp"  // replyError
#include "store/redis/redis_pool.hpp"

namespace authd::store::redis {

class FlushLock {
 public:
  // Takes `key` for `ttl` on the leased connection; false when another instance holds it.
  Result<bool> acquire(RedisPool::Lease& lease);
  // Extends the lock by its ttl; false when it is not ours any more (it expired: stop flushing).
  Result<bool> renew(RedisPool::Lease& lease);
  // The renewal as a command to pipeline with other work; its reply is 1 while the lock is ours.
  std::vector<std::string> renewCommand() const;
  // Frees the lock if it is still ours (a dead connection leaves it to expire by itself).
  void release(RedisPool::Lease& lease);

  FlushLock(std::string key, std::chrono::milliseconds ttl);
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  std::chrono::milliseconds ttl_;
  std::string token_;
};

}  // namespace authd::store::redis
