// What the flushers of the queues shared by every instance (lastUsedAt, usage,
// credit balances) have in common: a lock in Redis that lets one instance at a
// time flush (SET NX PX with a random token, renewed while the flush goes on,
// released only while it still holds that token, so a flusher whose lock
// expired never frees its successor's), and error replies as Errors.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::store::redis {

// An error reply (REDIS_REPLY_ERROR) as kCacheUnavailable, with Redis's message.
Error replyError(const Reply& r);

class FlushLock {
 public:
  // A lock named `key`, held for `ttl` at a time, with a fresh random token.
  FlushLock(std::string key, std::chrono::milliseconds ttl);
  // Takes the lock on the leased connection; false when another instance holds it.
  Result<bool> acquire(RedisPool::Lease& lease);
  // Extends the lock by its ttl; false when it is not ours any more (it expired: stop flushing).
  Result<bool> renew(RedisPool::Lease& lease);
  // The renewal as a command to pipeline with other work; its reply is 1 while the lock is ours.
  std::vector<std::string> renewCommand() const;
  // Frees the lock if it is still ours (a dead connection leaves it to expire by itself); `what` names
  // the flusher in the warning when it cannot be sent.
  void release(RedisPool::Lease& lease, std::string_view what);

  const std::string& key() const { return key_; }

 private:
  std::string key_;
  std::chrono::milliseconds ttl_;
  std::string token_;
};

}  // namespace authd::store::redis
