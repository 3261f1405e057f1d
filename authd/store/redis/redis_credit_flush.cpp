#include "store/redis/redis_credit_flush.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>
#include <vector>

#include "core/scope_exit.hpp"
#include "store/redis/redis_lock.hpp"

namespace authd::store::redis {
namespace {

// KEYS[1] the dirty set, KEYS[i+1] the i-th member's balance hash; ARGV five per member: member, score and
// v r p as read ('' for a missing field). A member leaves the set only if nothing moved since it was read:
// a spend in between re-marked it (a new score, or at least a new balance in the same millisecond).
constexpr const char* kCleanScript =
    "local n = 0 "
    "for i = 2, #KEYS do "
    "  local a = (i - 2) * 5 "
    "  local score = redis.call('ZSCORE', KEYS[1], ARGV[a + 1]) "
    "  if score == ARGV[a + 2] then "
    "    local b = redis.call('HMGET', KEYS[i], 'v', 'r', 'p') "
    "    if (b[1] or '') == ARGV[a + 3] and (b[2] or '') == ARGV[a + 4] and (b[3] or '') == ARGV[a + 5] then "
    "      redis.call('ZREM', KEYS[1], ARGV[a + 1]) n = n + 1 "
    "    end "
    "  end "
    "end "
    "return n";

std::string text(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_STRING || r->str == nullptr) return {};
  return {r->str, r->len};
}

std::optional<int64_t> integer(std::string_view s) {
  int64_t v = 0;
  if (s.empty()) return std::nullopt;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v); ec != std::errc{} || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// A dirty member as read: its score and its balance's fields, verbatim (for the clean script's comparison).
struct Dirty {
  std::string keyId;
  std::string score;
  std::string v, r, p;
};

}  // namespace

RedisCreditFlush::RedisCreditFlush(RedisPool& pool, keys::CreditSink& sink, std::string prefix, size_t batchSize,
                                   size_t maxKeys, std::chrono::milliseconds lockTtl)
    : pool_(pool),
      sink_(sink),
      prefix_(std::move(prefix)),
      dirtyKey_(prefix_ + "dirty"),
      lockKey_(prefix_ + "lock"),
      batchSize_(std::clamp<size_t>(batchSize, 1, 100'000)),
      maxKeys_(std::max<size_t>(1, maxKeys)),
      lockTtl_(lockTtl) {}

bool RedisCreditFlush::flush() {
  auto r = flushOnce();
  if (!r) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    if (!failing_) spdlog::warn("credits: flush-back failed ({}); balances wait in Redis", codeName(r.error().code));
    failing_ = true;
    return false;
  }
  if (failing_) spdlog::info("credits: flush-back succeeded again");
  failing_ = false;
  return true;
}

Result<size_t> RedisCreditFlush::flushOnce() {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  FlushLock lock(lockKey_, lockTtl_);
  if (auto got = lock.acquire(*lease); !got) {
    return fail(got.error());
  } else if (!*got) {
    return size_t{0};  // another instance is flushing
  }
  ScopeExit release([&] { lock.release(*lease, "credits"); });

  // Bounded: keys spent on again during this flush come back with a later score (past `cutoff`) and wait
  // for the next flush, so a busy key cannot keep this one going.
  std::string cutoff;
  {
    auto last = lease->command({"ZRANGE", dirtyKey_, "-1", "-1", "WITHSCORES"});
    if (!last) return fail(last.error());
    if ((*last)->type == REDIS_REPLY_ERROR) return fail(replyError(*last));
    if ((*last)->type != REDIS_REPLY_ARRAY || (*last)->elements != 2) return size_t{0};
    cutoff = text((*last)->element[1]);
  }
  const std::string count = std::to_string(batchSize_);
  size_t written = 0;
  for (size_t seen = 0; seen < maxKeys_;) {
    auto page = lease->command({"ZRANGE", dirtyKey_, "-inf", cutoff, "BYSCORE", "LIMIT", "0", count, "WITHSCORES"});
    if (!page) return fail(page.error());
    const redisReply* pg = page->get();
    if (pg->type == REDIS_REPLY_ERROR) return fail(replyError(*page));
    if (pg->type != REDIS_REPLY_ARRAY || pg->elements < 2) break;

    std::vector<Dirty> dirty;
    dirty.reserve(pg->elements / 2);
    std::vector<std::vector<std::string>> reads;
    reads.reserve(pg->elements / 2);
    for (size_t i = 0; i + 1 < pg->elements; i += 2) {
      Dirty d{text(pg->element[i]), text(pg->element[i + 1]), {}, {}, {}};
      reads.push_back({"HMGET", balanceKey(d.keyId), "v", "r", "p"});
      dirty.push_back(std::move(d));
    }
    auto balances = lease->pipeline(reads);
    if (!balances) return fail(balances.error());

    std::vector<keys::CreditBalance> rows;
    rows.reserve(dirty.size());
    for (size_t i = 0; i < dirty.size(); ++i) {
      const redisReply* b = (*balances)[i].get();
      if (b->type == REDIS_REPLY_ERROR) return fail(replyError((*balances)[i]));
      if (b->type == REDIS_REPLY_ARRAY && b->elements == 3) {
        dirty[i].v = text(b->element[0]);
        dirty[i].r = text(b->element[1]);
        dirty[i].p = text(b->element[2]);
      }
      const auto v = integer(dirty[i].v), r = integer(dirty[i].r), p = integer(dirty[i].p);
      // An unreadable or missing balance is dropped from the set (it cannot be written), never retried forever.
      if (!v || !r || !p) {
        spdlog::warn("credits: dropping an unreadable balance of key {}", dirty[i].keyId);
        continue;
      }
      rows.push_back(keys::CreditBalance{dirty[i].keyId, *v, *r, *p});
    }
    for (size_t i = 0; i < rows.size(); i += batchSize_) {
      const auto first = rows.begin() + static_cast<ptrdiff_t>(i);
      const auto last = rows.begin() + static_cast<ptrdiff_t>(std::min(rows.size(), i + batchSize_));
      // Failing here leaves every key of the page dirty: the next flush writes them again (harmless).
      auto saved = sink_.saveCredits(std::vector<keys::CreditBalance>(first, last));
      if (!saved) return fail(saved.error());
    }
    written += rows.size();
    flushedRows_.fetch_add(rows.size(), std::memory_order_relaxed);

    std::vector<std::string> clean{"EVAL", kCleanScript, std::to_string(1 + dirty.size()), dirtyKey_};
    clean.reserve(4 + 6 * dirty.size());
    for (const auto& d : dirty) clean.push_back(balanceKey(d.keyId));
    for (auto& d : dirty) {
      for (std::string* s : {&d.keyId, &d.score, &d.v, &d.r, &d.p}) clean.push_back(std::move(*s));
    }
    auto after = lease->pipeline({clean, lock.renewCommand()});
    if (!after) return fail(after.error());
    if ((*after)[0]->type == REDIS_REPLY_ERROR) return fail(replyError((*after)[0]));
    if ((*after)[1]->type != REDIS_REPLY_INTEGER || (*after)[1]->integer != 1) {
      spdlog::warn("credits: flush lock lost after {} balances; leaving the rest to its holder", written);
      release.dismiss();
      return written;
    }
    seen += dirty.size();
    // Nothing left the set (every key was spent on again meanwhile): the next flush takes them.
    if ((*after)[0]->integer == 0) break;
  }
  return written;
}

}  // namespace authd::store::redis
