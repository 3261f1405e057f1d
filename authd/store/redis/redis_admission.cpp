#include "store/redis/redis_admission.hpp"

#include <vector>

#include "core/crypto.hpp"

namespace authd::store::redis {
namespace {

// KEYS: for each limit present (the key's, then the user's) its current and previous window's counters;
// then, with credits, the credits hash and the dirty set.
// ARGV: 1 nowMs; 2-4 key limit (present 0/1, limit, window ms); 5-7 user limit (same);
// 8 credits present; 9 cost; 10-12 seed remaining, version, period; 13 refill amount (0: none);
// 14 period start now; 15 key id.
// Returns {admitted, key prev, key cur, key allowed, user prev, user cur, user allowed, credits allowed,
// credits remaining (-1: not looked at)}; counts are those before this request.
constexpr std::string_view kScript = R"lua(
local now = tonumber(ARGV[1])
local out = {1, 0, 0, 1, 0, 0, 1, 1, -1}
local ok = true
local n = 1
local counted = {}
for slot = 0, 1 do
  local base = 2 + slot * 3
  if ARGV[base] == '1' then
    local limit = tonumber(ARGV[base + 1])
    local w = tonumber(ARGV[base + 2])
    local cur = tonumber(redis.call('GET', KEYS[n]) or '0')
    local prev = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
    local elapsed = now % w
    -- verify::slidingAllows, the same operations in the same order.
    local allowed = prev * (w - elapsed) / w + cur + 1 <= limit
    out[2 + slot * 3] = prev
    out[3 + slot * 3] = cur
    if not allowed then
      out[4 + slot * 3] = 0
      ok = false
    end
    counted[#counted + 1] = {KEYS[n], 2 * w + 1000}
    n = n + 2
  end
end
if ok and ARGV[8] == '1' then
  local h, dirty = KEYS[n], KEYS[n + 1]
  local cost = tonumber(ARGV[9])
  local refill = tonumber(ARGV[13])
  local periodNow = tonumber(ARGV[14])
  local have = redis.call('HMGET', h, 'v', 'r', 'p')
  local r, p, changed
  if not have[1] or not have[2] or tonumber(have[1]) < tonumber(ARGV[11]) then
    -- No copy of this grant yet (or an older grant's): the grant as PostgreSQL has it.
    r = tonumber(ARGV[10])
    p = tonumber(ARGV[12])
    changed = true
  else
    r = tonumber(have[2])
    p = tonumber(have[3] or '0')
    changed = false
  end
  if refill > 0 and p < periodNow then
    r = refill
    p = periodNow
    changed = true
  end
  if r >= math.max(cost, 1) then
    r = r - cost
    if cost > 0 then changed = true end
  else
    out[8] = 0
    ok = false
  end
  out[9] = r
  if changed then
    local v = have[1]
    if not v or not have[2] or tonumber(v) < tonumber(ARGV[11]) then v = ARGV[11] end
    redis.call('HSET', h, 'v', v, 'r', string.format('%d', r), 'p', string.format('%d', p))
    redis.call('ZADD', dirty, ARGV[1], ARGV[15])
  end
end
if ok then
  for _, c in ipairs(counted) do
    redis.call('INCR', c[1])
    redis.call('PEXPIRE', c[1], c[2])
  end
else
  out[1] = 0
end
return out
)lua";

int64_t intAt(const redisReply* r, size_t i) {
  if (!r || i >= r->elements || !r->element[i]) return 0;
  const redisReply* e = r->element[i];
  if (e->type == REDIS_REPLY_INTEGER) return e->integer;
  if (e->type == REDIS_REPLY_STRING) return std::strtoll(e->str, nullptr, 10);
  return 0;
}

void addLimit(const std::optional<verify::LimitQuery>& l, int64_t nowMs, std::vector<std::string>& keys,
              std::vector<std::string>& args) {
  if (!l) {
    args.insert(args.end(), {"0", "0", "0"});
    return;
  }
  const int64_t index = verify::windowIndex(nowMs, l->limit.windowSeconds);
  keys.push_back(windowKey(l->scope, l->id, l->limit.windowSeconds, index));
  keys.push_back(windowKey(l->scope, l->id, l->limit.windowSeconds, index - 1));
  args.insert(args.end(), {"1", std::to_string(l->limit.limit), std::to_string(l->limit.windowSeconds * 1000)});
}

}  // namespace

std::string creditsKey(std::string_view keyId) { return "authd:cr:" + std::string(keyId); }

std::string windowKey(char scope, std::string_view id, int64_t windowSeconds, int64_t windowIndex) {
  std::string k = "authd:sw:";
  k.push_back(scope);
  k.append(":").append(id).append(":").append(std::to_string(windowSeconds)).append(":");
  k.append(std::to_string(windowIndex));
  return k;
}

RedisAdmission::RedisAdmission(RedisPool& pool) : pool_(pool), sha_(crypto::sha1Hex(kScript)) {}

Result<verify::AdmissionAnswer> RedisAdmission::admit(const verify::AdmissionQuery& q) {
  std::vector<std::string> keys;
  std::vector<std::string> args{std::to_string(q.nowMs)};
  keys.reserve(6);
  args.reserve(15);
  addLimit(q.key, q.nowMs, keys, args);
  addLimit(q.user, q.nowMs, keys, args);
  if (const auto& c = q.credits) {
    keys.push_back(creditsKey(c->keyId));
    keys.emplace_back(kCreditsDirtyKey);
    args.insert(args.end(), {"1", std::to_string(c->cost), std::to_string(c->seedRemaining),
                             std::to_string(c->seedVersion), std::to_string(c->seedPeriod),
                             std::to_string(c->refillAmount), std::to_string(c->periodNow), std::string(c->keyId)});
  } else {
    args.insert(args.end(), {"0", "0", "0", "0", "0", "0", "0", ""});
  }
  std::vector<std::string> command{"EVALSHA", sha_, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());

  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  auto reply = lease->command(command);
  if (!reply) return fail(reply.error());
  // Redis forgets scripts when it restarts: EVAL sends the text (and caches it for the next EVALSHA).
  if (*reply && (*reply)->type == REDIS_REPLY_ERROR && std::string_view((*reply)->str).starts_with("NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = std::string(kScript);
    reply = lease->command(command);
    if (!reply) return fail(reply.error());
  }
  const redisReply* r = reply->get();
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 9) {
    return fail(Code::kCacheUnavailable, r && r->type == REDIS_REPLY_ERROR ? r->str : "unexpected admission reply");
  }
  verify::AdmissionAnswer a;
  a.key = {{intAt(r, 1), intAt(r, 2)}, intAt(r, 3) == 1};
  a.user = {{intAt(r, 4), intAt(r, 5)}, intAt(r, 6) == 1};
  a.creditsAllowed = intAt(r, 7) == 1;
  a.creditsRemaining = intAt(r, 8);
  return a;
}

}  // namespace authd::store::redis
