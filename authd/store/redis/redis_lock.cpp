#include "store/redis/redis_lock.hpp"

namespace authd::store::redis {
namespace {

// Extends / releases the lock only while it still holds our token.
constexpr const char* kRenewScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
constexpr const char* kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

}  // namespace

Error replyError(const Reply& r) {
  return Error(Code::kCacheUnavailable, "redis: " + std::string(r->str ? std::string_view(r->str, r->len) : ""));
}

Result<bool> takeLock(RedisPool::Lease& lease, const std::string& key, const std::string& token,
                      std::chrono::milliseconds ttl) {
  auto r = lease.command({"SET", key, token, "NX", "PX", std::to_string(ttl.count())});
  if (!r) return fail(r.error());
  if ((*r)->type == REDIS_REPLY_ERROR) return fail(replyError(*r));
  return (*r)->type != REDIS_REPLY_NIL;
}

std::vector<std::string> renewLockCommand(const std::string& key, const std::string& token,
                                          std::chrono::milliseconds ttl) {
  return {"EVAL", kRenewScript, "1", key, token, std::to_string(ttl.count())};
}

bool releaseLock(RedisPool::Lease& lease, const std::string& key, const std::string& token) {
  return lease.command({"EVAL", kReleaseScript, "1", key, token}).has_value();
}

}  // namespace authd::store::redis
