#include "store/redis/redis_lock.hpp"

#include <spdlog/spdlog.h>

#include "core/crypto.hpp"

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

FlushLock::FlushLock(std::string key, std::chrono::milliseconds ttl)
    : key_(std::move(key)), ttl_(ttl), token_(crypto::toHex(crypto::randomBytes(16))) {}

Result<bool> FlushLock::acquire(RedisPool::Lease& lease) {
  auto r = lease.command({"SET", key_, token_, "NX", "PX", std::to_string(ttl_.count())});
  if (!r) return fail(r.error());
  if ((*r)->type == REDIS_REPLY_ERROR) return fail(replyError(*r));
  return (*r)->type != REDIS_REPLY_NIL;
}

std::vector<std::string> FlushLock::renewCommand() const {
  return {"EVAL", kRenewScript, "1", key_, token_, std::to_string(ttl_.count())};
}

Result<bool> FlushLock::renew(RedisPool::Lease& lease) {
  auto r = lease.command(renewCommand());
  if (!r) return fail(r.error());
  if ((*r)->type == REDIS_REPLY_ERROR) return fail(replyError(*r));
  return (*r)->type == REDIS_REPLY_INTEGER && (*r)->integer == 1;
}

void FlushLock::release(RedisPool::Lease& lease, std::string_view what) {
  if (lease.broken()) return;
  if (auto r = lease.command({"EVAL", kReleaseScript, "1", key_, token_}); !r) {
    spdlog::warn("{}: could not release the flush lock; it expires in {} ms", what, ttl_.count());
  }
}

}  // namespace authd::store::redis
