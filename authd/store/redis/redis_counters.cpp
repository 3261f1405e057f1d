#include "store/redis/redis_counters.hpp"

namespace authd::store::redis {
namespace {

int64_t asInt(const Reply& r) {
  if (!r) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type == REDIS_REPLY_STRING) return std::strtoll(r->str, nullptr, 10);
  return 0;
}

}  // namespace

Result<WindowCount> RedisWindowedCounter::increment(std::string_view key, std::chrono::seconds window) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  const std::string k(key);
  // SET NX EX starts the window exactly once; INCR never creates a key without a TTL.
  auto replies =
      lease->pipeline({{"SET", k, "0", "EX", std::to_string(window.count()), "NX"}, {"INCR", k}, {"TTL", k}});
  if (!replies) return fail(replies.error());
  return WindowCount{asInt((*replies)[1]), std::max<int64_t>(0, asInt((*replies)[2]))};
}

Status RedisWindowedCounter::decrement(std::string_view key) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  // One script, so the check and the DECR are atomic: a key that expired meanwhile is not
  // recreated without a TTL, and no count goes below zero. DECR keeps the key's TTL.
  static constexpr std::string_view kTakeBack =
      "local v = tonumber(redis.call('GET', KEYS[1])) "
      "if v and v > 0 then return redis.call('DECR', KEYS[1]) end return 0";
  auto r = lease->command({"EVAL", kTakeBack, "1", key});
  if (!r) return fail(r.error());
  if (*r && (*r)->type == REDIS_REPLY_ERROR) return fail(Code::kCacheUnavailable, (*r)->str);
  return {};
}

Status RedisWindowedCounter::reset(std::string_view key) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  auto r = lease->command({"DEL", key});
  if (!r) return fail(r.error());
  return {};
}

}  // namespace authd::store::redis
