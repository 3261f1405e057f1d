#include "store/redis/redis_last_used.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <future>
#include <optional>
#include <system_error>

#include "core/scope_exit.hpp"
#include "store/redis/redis_lock.hpp"

namespace authd::store::redis {
namespace {

constexpr size_t kPairsPerZadd = 1000;

// Atomically picks the set to flush: a processing key left by a flusher that
// died, else the live set renamed to the processing key. Returns {leftover, count}.
constexpr const char* kTakeScript =
    "if redis.call('EXISTS', KEYS[2]) == 1 then return {1, redis.call('ZCARD', KEYS[2])} end "
    "if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end "
    "redis.call('RENAME', KEYS[1], KEYS[2]) "
    "return {0, redis.call('ZCARD', KEYS[2])}";

// A score as RESP2 sends it ("1700000000123", or "1.7e+12" style): whole milliseconds, or nullopt.
std::optional<int64_t> parseScore(const redisReply* r) {
  if (r == nullptr) return std::nullopt;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type != REDIS_REPLY_STRING || r->str == nullptr || r->len == 0 || r->len > 64) return std::nullopt;
  const char* first = r->str;
  const char* last = r->str + r->len;
  int64_t whole = 0;
  if (auto [p, ec] = std::from_chars(first, last, whole); ec == std::errc{} && p == last) return whole;
  double d = 0;
  if (auto [p, ec] = std::from_chars(first, last, d); ec != std::errc{} || p != last) return std::nullopt;
  // Timestamps are well inside ±2^53 ms; anything else (inf, nan, absurd) is not one.
  if (!std::isfinite(d) || std::fabs(d) > 9.0e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(d));
}

}  // namespace

RedisLastUsedQueue::RedisLastUsedQueue(RedisPool& pool, std::string key, std::chrono::milliseconds lockTtl,
                                       size_t writers)
    : pool_(pool),
      key_(std::move(key)),
      flushingKey_(key_ + ":flushing"),
      lockKey_(key_ + ":lock"),
      lockTtl_(lockTtl),
      writers_(std::max<size_t>(1, writers)) {}

Status RedisLastUsedQueue::push(const std::vector<keys::KeyUse>& uses) {
  if (uses.empty()) return {};
  std::vector<std::vector<std::string>> commands;
  commands.reserve((uses.size() + kPairsPerZadd - 1) / kPairsPerZadd);
  for (size_t i = 0; i < uses.size(); i += kPairsPerZadd) {
    const size_t end = std::min(uses.size(), i + kPairsPerZadd);
    std::vector<std::string> cmd;
    cmd.reserve(3 + 2 * (end - i));
    cmd.insert(cmd.end(), {"ZADD", key_, "GT"});
    for (size_t j = i; j < end; ++j) {
      cmd.push_back(std::to_string(uses[j].usedAtMs));
      cmd.push_back(uses[j].keyId);
    }
    commands.push_back(std::move(cmd));
  }
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  auto replies = lease->pipeline(commands);
  if (!replies) return fail(replies.error());
  for (const auto& r : *replies) {
    if (r->type == REDIS_REPLY_ERROR) return fail(replyError(r));
  }
  return {};
}

Status RedisLastUsedQueue::writeBatches(keys::LastUsedSink& store, const std::vector<keys::KeyUse>& uses,
                                        size_t batchSize) {
  std::vector<std::vector<keys::KeyUse>> batches;
  for (size_t i = 0; i < uses.size(); i += batchSize) {
    batches.emplace_back(uses.begin() + static_cast<ptrdiff_t>(i),
                         uses.begin() + static_cast<ptrdiff_t>(std::min(uses.size(), i + batchSize)));
  }
  if (batches.empty()) return {};
  // PostgreSQL's per-row update cost dominates a flush; a second connection cuts it by a third or more.
  std::vector<std::future<Status>> others;
  Status result;
  for (size_t i = 1; i < batches.size(); ++i) {
    try {
      others.push_back(std::async(std::launch::async, [&store, &b = batches[i]] { return store.touchLastUsed(b); }));
    } catch (const std::system_error&) {  // no thread to be had: write it here
      if (auto s = store.touchLastUsed(batches[i]); !s && result) result = std::move(s);
    }
  }
  if (auto s = store.touchLastUsed(batches[0]); !s && result) result = std::move(s);
  for (auto& f : others) {
    Status s = f.get();
    if (result && !s) result = std::move(s);
  }
  return result;
}

Result<size_t> RedisLastUsedQueue::flush(keys::LastUsedSink& store, size_t batchSize) {
  batchSize = std::clamp<size_t>(batchSize, 1, 100'000);
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());

  FlushLock lock(lockKey_, lockTtl_);
  if (auto taken = lock.acquire(*lease); !taken) {
    return fail(taken.error());
  } else if (!*taken) {
    return 0;  // another instance is flushing
  }
  // Every return from here releases the lock once, except where it is not ours any more (lost) or the
  // connection died (nothing can be sent; the lock expires by itself).
  ScopeExit release([&] { lock.release(*lease, "lastUsedAt"); });

  // Each round trip reads `writers_` batches and writes them on that many connections at once.
  const std::string stop = std::to_string(batchSize * writers_ - 1);
  size_t written = 0;
  // At most two rounds: a leftover processing key, then the live set.
  for (int round = 0; round < 2; ++round) {
    auto taken = lease->command({"EVAL", kTakeScript, "2", key_, flushingKey_});
    if (!taken) return fail(taken.error());
    const redisReply* t = taken->get();
    if (t->type == REDIS_REPLY_ERROR) return fail(replyError(*taken));
    if (t->type != REDIS_REPLY_ARRAY || t->elements != 2) {
      return fail(Code::kInternal, "lastUsedAt: unexpected reply to the take script");
    }
    const bool leftover = t->element[0]->integer == 1;
    if (t->element[1]->integer == 0) break;
    if (leftover) spdlog::info("lastUsedAt: finishing a flush left incomplete ({} keys)", t->element[1]->integer);

    for (;;) {
      auto page = lease->command({"ZRANGE", flushingKey_, "0", stop, "WITHSCORES"});
      if (!page) return fail(page.error());
      const redisReply* p = page->get();
      if (p->type == REDIS_REPLY_ERROR) return fail(replyError(*page));
      if (p->type != REDIS_REPLY_ARRAY || p->elements == 0) break;

      std::vector<keys::KeyUse> uses;
      uses.reserve(p->elements / 2);
      std::vector<std::string> zrem{"ZREM", flushingKey_};
      zrem.reserve(2 + p->elements / 2);
      for (size_t i = 0; i + 1 < p->elements; i += 2) {
        const redisReply* m = p->element[i];
        if (m->type != REDIS_REPLY_STRING) continue;
        std::string member(m->str, m->len);
        // A member with a bad score is removed without being written, so it cannot block the queue.
        if (auto ms = parseScore(p->element[i + 1])) uses.push_back(keys::KeyUse{member, *ms});
        else spdlog::warn("lastUsedAt: dropping a queued use with an unreadable score");
        zrem.push_back(std::move(member));
      }
      if (zrem.size() == 2) return fail(Code::kInternal, "lastUsedAt: unreadable ZRANGE reply");
      if (auto s = writeBatches(store, uses, batchSize); !s) {
        // The processing key stays: the next flush resumes from this chunk (rewriting is harmless).
        return fail(s.error());
      }
      written += uses.size();
      // Remove what was written and renew the lock, in one round trip.
      auto after = lease->pipeline({zrem, lock.renewCommand()});
      if (!after) return fail(after.error());
      if ((*after)[0]->type == REDIS_REPLY_ERROR) return fail(replyError((*after)[0]));
      if ((*after)[1]->type != REDIS_REPLY_INTEGER || (*after)[1]->integer != 1) {
        // The lock expired and may be someone else's now: stop; they finish the rest.
        spdlog::warn("lastUsedAt: flush lock lost after {} rows; leaving the rest to its holder", written);
        release.dismiss();
        return written;
      }
    }
    if (!leftover) break;
  }
  return written;  // `release` runs here too
}

}  // namespace authd::store::redis
