#include "store/redis/redis_usage_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <map>
#include <optional>
#include <system_error>
#include <utility>

#include "core/crypto.hpp"
#include "core/scope_exit.hpp"
#include "store/redis/redis_lock.hpp"

namespace authd::store::redis {
namespace {

// Adds a chunk's counts unless its token's marker is already set. KEYS: live hash, marker;
// ARGV: marker TTL (ms), then field, increment pairs. 1 = added, 0 = seen before.
constexpr const char* kPushScript =
    "if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 0 end "
    "for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end "
    "return 1";
// Atomically picks the hash to flush and its token: a processing key left by a flusher that died
// (with the token it was frozen with), else the live hash renamed to the processing key with the
// fresh token ARGV[1]. KEYS: live, processing, token. Returns {leftover, token} ('' = nothing to do).
constexpr const char* kTakeScript =
    "if redis.call('EXISTS', KEYS[2]) == 1 then "
    "  local t = redis.call('GET', KEYS[3]) "
    "  if not t then t = ARGV[1]; redis.call('SET', KEYS[3], t) end "
    "  return {1, t} end "
    "if redis.call('EXISTS', KEYS[1]) == 0 then return {0, ''} end "
    "redis.call('RENAME', KEYS[1], KEYS[2]) "
    "redis.call('SET', KEYS[3], ARGV[1]) "
    "return {0, ARGV[1]}";

constexpr const char* kHscanCount = "10000";

using RowMap = std::map<std::pair<std::string, int64_t>, verify::OutcomeCounts>;

template <typename Int>
std::optional<Int> parseInt(std::string_view s) {
  Int v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string field(const std::string& keyId, int64_t minute, size_t outcome) {
  return keyId + ':' + std::to_string(minute) + ':' + std::to_string(outcome);
}

// `<keyId>:<minute>:<outcome>` = count, added to `rows`; false when unreadable.
bool addField(std::string_view f, std::string_view value, RowMap& rows) {
  const auto last = f.rfind(':');
  if (last == std::string_view::npos || last == 0) return false;
  const auto mid = f.rfind(':', last - 1);
  if (mid == std::string_view::npos || mid == 0) return false;
  const auto outcome = parseInt<size_t>(f.substr(last + 1));
  const auto minute = parseInt<int64_t>(f.substr(mid + 1, last - mid - 1));
  const auto count = parseInt<int64_t>(value);
  if (!outcome || *outcome >= verify::kOutcomeCount || !minute || !count) return false;
  rows[{std::string(f.substr(0, mid)), *minute}][*outcome] += *count;
  return true;
}

// The rows per chunk a token was frozen with (`<hex>-<rows>`), so every instance splits a leftover
// the same way whatever its own setting.
size_t rowsPerChunkOf(std::string_view token, size_t fallback) {
  const auto dash = token.rfind('-');
  if (dash == std::string_view::npos) return fallback;
  const auto n = parseInt<size_t>(token.substr(dash + 1));
  return n && *n > 0 ? *n : fallback;
}

// Every field of the processing hash, coalesced and sorted. HSCAN, so one huge reply does not
// stall Redis; a field it returns twice (rehashing) is counted once.
Result<RowMap> readFrozen(RedisPool::Lease& lease, const std::string& key) {
  std::map<std::string, std::string> fields;
  std::string cursor = "0";
  do {
    auto r = lease.command({"HSCAN", key, cursor, "COUNT", kHscanCount});
    if (!r) return fail(r.error());
    const redisReply* p = r->get();
    if (p->type == REDIS_REPLY_ERROR) return fail(replyError(*r));
    if (p->type != REDIS_REPLY_ARRAY || p->elements != 2 || p->element[0]->type != REDIS_REPLY_STRING ||
        p->element[1]->type != REDIS_REPLY_ARRAY) {
      return fail(Code::kInternal, "usage: unexpected reply to HSCAN");
    }
    cursor.assign(p->element[0]->str, p->element[0]->len);
    const redisReply* items = p->element[1];
    for (size_t i = 0; i + 1 < items->elements; i += 2) {
      const redisReply* f = items->element[i];
      const redisReply* v = items->element[i + 1];
      if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
      fields.insert_or_assign(std::string(f->str, f->len), std::string(v->str, v->len));
    }
  } while (cursor != "0");
  RowMap rows;
  size_t unreadable = 0;
  for (const auto& [f, v] : fields) unreadable += !addField(f, v, rows);
  // Dropped rather than retried: an unreadable field would block the queue for good.
  if (unreadable > 0) spdlog::warn("usage: dropping {} unreadable queued fields", unreadable);
  return rows;
}

}  // namespace

RedisUsageQueue::RedisUsageQueue(RedisPool& pool, std::string key, std::chrono::milliseconds lockTtl,
                                 size_t rowsPerChunk, std::chrono::milliseconds markerTtl, size_t writers)
    : pool_(pool),
      key_(std::move(key)),
      flushingKey_(key_ + ":flushing"),
      tokenKey_(key_ + ":flushing:token"),
      lockKey_(key_ + ":lock"),
      lockTtl_(lockTtl),
      rowsPerChunk_(std::max<size_t>(1, rowsPerChunk)),
      markerTtl_(markerTtl),
      writers_(std::max<size_t>(1, writers)) {}

Status RedisUsageQueue::push(const std::vector<verify::UsageChunk>& chunks) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(chunks.size());
  const std::string ttl = std::to_string(markerTtl_.count());
  for (const auto& chunk : chunks) {
    if (chunk.rows.empty()) continue;
    std::vector<std::string> cmd{"EVAL", kPushScript, "2", key_, markerKey(chunk.token), ttl};
    for (const auto& row : chunk.rows) {
      for (size_t o = 0; o < verify::kOutcomeCount; ++o) {
        if (row.counts[o] == 0) continue;
        cmd.push_back(field(row.keyId, row.minute, o));
        cmd.push_back(std::to_string(row.counts[o]));
      }
    }
    commands.push_back(std::move(cmd));
  }
  if (commands.empty()) return {};
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  auto replies = lease->pipeline(commands);
  if (!replies) return fail(replies.error());
  for (const auto& r : *replies) {
    if (r->type == REDIS_REPLY_ERROR) return fail(replyError(r));
  }
  return {};
}

Result<size_t> RedisUsageQueue::flush(verify::UsageSink& sink) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());

  FlushLock lock(lockKey_, lockTtl_);
  if (auto taken = lock.acquire(*lease); !taken) {
    return fail(taken.error());
  } else if (!*taken) {
    return 0;  // another instance is flushing
  }
  ScopeExit release([&] { lock.release(*lease, "usage"); });

  size_t written = 0;
  // At most two rounds: a leftover processing key, then the live hash.
  for (int round = 0; round < 2; ++round) {
    const std::string fresh = crypto::toHex(crypto::randomBytes(16)) + "-" + std::to_string(rowsPerChunk_);
    auto taken = lease->command({"EVAL", kTakeScript, "3", key_, flushingKey_, tokenKey_, fresh});
    if (!taken) return fail(taken.error());
    const redisReply* t = taken->get();
    if (t->type == REDIS_REPLY_ERROR) return fail(replyError(*taken));
    if (t->type != REDIS_REPLY_ARRAY || t->elements != 2 || t->element[1]->type != REDIS_REPLY_STRING) {
      return fail(Code::kInternal, "usage: unexpected reply to the take script");
    }
    const bool leftover = t->element[0]->integer == 1;
    const std::string token(t->element[1]->str, t->element[1]->len);
    if (token.empty()) break;

    auto rows = readFrozen(*lease, flushingKey_);
    if (!rows) return fail(rows.error());
    if (leftover) spdlog::info("usage: finishing a flush left incomplete ({} rows)", rows->size());

    const size_t per = rowsPerChunkOf(token, rowsPerChunk_);
    // Chunk i is always the same rows (sorted, `per` each), whoever splits the frozen set.
    std::vector<std::vector<verify::UsageRow>> chunks;
    chunks.reserve(rows->size() / std::max<size_t>(per, 1) + 1);
    for (auto it = rows->begin(); it != rows->end();) {
      if (chunks.empty() || chunks.back().size() >= per) {
        chunks.emplace_back();
        chunks.back().reserve(std::min(per, rows->size()));
      }
      auto node = rows->extract(it++);
      chunks.back().push_back(verify::UsageRow{std::move(node.key().first), node.key().second, node.mapped()});
    }
    // Waves of `writers_` chunks, each on its own connection: the chunks hold disjoint (key, minute) rows, so
    // they never wait on one another, and PostgreSQL's per-row cost dominates a flush. The processing key
    // stays on failure: the next flush reruns it, skipping the chunks applied.
    for (size_t first = 0; first < chunks.size(); first += writers_) {
      const size_t end = std::min(chunks.size(), first + writers_);
      auto apply = [&](size_t i) { return sink.addUsage(token + ":" + std::to_string(i), chunks[i]); };
      std::vector<std::future<Result<bool>>> others;
      Result<bool> failed = true;
      for (size_t i = first + 1; i < end; ++i) {
        try {
          others.push_back(std::async(std::launch::async, apply, i));
        } catch (const std::system_error&) {  // no thread to be had: apply it here
          if (auto r = apply(i); !r && failed) failed = std::move(r);
        }
      }
      if (auto r = apply(first); !r && failed) failed = std::move(r);
      for (auto& f : others) {
        if (auto r = f.get(); !r && failed) failed = std::move(r);
      }
      if (!failed) return fail(failed.error());
      for (size_t i = first; i < end; ++i) written += chunks[i].size();
      auto renewed = lock.renew(*lease);
      if (!renewed) return fail(renewed.error());
      if (!*renewed) {
        // The lock expired and may be someone else's now: stop; they finish the rest.
        spdlog::warn("usage: flush lock lost after {} rows; leaving the rest to its holder", written);
        release.dismiss();
        return written;
      }
    }
    auto done = lease->command({"DEL", flushingKey_, tokenKey_});
    if (!done) return fail(done.error());
    if ((*done)->type == REDIS_REPLY_ERROR) return fail(replyError(*done));
    if (!leftover) break;
  }
  return written;  // `release` runs here too
}

}  // namespace authd::store::redis
