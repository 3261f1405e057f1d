// What the flushers of the queues shared by every instance (lastUsedAt, usage)
// have in common: a lock in Redis (SET NX PX with a random token) that only
// its holder renews or releases, and error replies as Errors.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::store::redis {

// An error reply (REDIS_REPLY_ERROR) as kCacheUnavailable, with Redis's message.
Error replyError(const Reply& r);

// SET key token NX PX ttl: true when taken, false when someone else holds it.
Result<bool> takeLock(RedisPool::Lease& lease, const std::string& key, const std::string& token,
                      std::chrono::milliseconds ttl);
// The command that extends the lock to `ttl` while it still holds `token` (replies 1; 0 when it is
// not ours any more), to pipeline with other work.
std::vector<std::string> renewLockCommand(const std::string& key, const std::string& token,
                                          std::chrono::milliseconds ttl);
// Deletes the lock if it still holds `token`; false when the command could not be sent.
bool releaseLock(RedisPool::Lease& lease, const std::string& key, const std::string& token);

}  // namespace authd::store::redis
