#include "verify/usage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "core/crypto.hpp"

namespace authd::verify {
namespace {

// Tracker ids; 0 is "none", what a thread's cache starts with.
std::atomic<uint64_t> nextTrackerId{1};

// The shard this thread last recorded into, and whose it is.
struct LocalShard {
  uint64_t owner = 0;
  void* shard = nullptr;
};
thread_local LocalShard tlsShard;

}  // namespace

// Forwards to the real sink and counts the chunks and rows a flush applied.
class UsageTracker::CountingSink final : public UsageSink {
 public:
  CountingSink(UsageSink& inner, std::atomic<uint64_t>& chunks, std::atomic<uint64_t>& rows)
      : inner_(inner), chunks_(chunks), rows_(rows) {}
  Result<bool> addUsage(std::string_view chunkId, const std::vector<UsageRow>& rows) override {
    auto r = inner_.addUsage(chunkId, rows);
    if (r && *r) {
      chunks_.fetch_add(1);
      rows_.fetch_add(rows.size());
    }
    return r;
  }
  Result<size_t> pruneUsage(int64_t usageBefore, int64_t chunksBefore) override {
    return inner_.pruneUsage(usageBefore, chunksBefore);
  }

 private:
  UsageSink& inner_;
  std::atomic<uint64_t>& chunks_;
  std::atomic<uint64_t>& rows_;
};

size_t UsageTracker::RowHash::operator()(const RowRef& r) const noexcept {
  const size_t h = std::hash<std::string_view>{}(r.keyId);
  return h ^ (static_cast<size_t>(r.minute) * 0x9E3779B97F4A7C15ull);
}

UsageTracker::UsageTracker(UsageQueue& queue, UsageSink& sink, const Clock& clock, UsageOptions options)
    : queue_(queue),
      sink_(sink),
      clock_(clock),
      options_(options),
      id_(nextTrackerId.fetch_add(1)),
      counting_(std::make_unique<CountingSink>(sink, flushChunks_, rowsFlushed_)) {}

UsageTracker::~UsageTracker() {
  if (const size_t left = pending(); left > 0) {
    spdlog::error("usage: {} rows of counts could not be saved at shutdown (queue unavailable)", left);
  }
}

UsageTracker::Shard& UsageTracker::localShard() {
  if (tlsShard.owner == id_) return *static_cast<Shard*>(tlsShard.shard);
  return registerThread();
}

UsageTracker::Shard& UsageTracker::registerThread() {
  std::lock_guard lock(shardsMu_);
  Shard*& s = byThread_[std::this_thread::get_id()];
  if (s == nullptr) {
    shards_.push_back(std::make_unique<Shard>());
    s = shards_.back().get();
  }
  tlsShard = LocalShard{id_, s};
  return *s;
}

void UsageTracker::record(std::string_view keyId, int64_t nowMs, Outcome outcome) {
  const auto index = static_cast<size_t>(outcome);
  if (index >= kOutcomeCount) return;
  Shard& s = localShard();
  const int64_t minute = usageMinute(nowMs);
  std::lock_guard lock(s.mu);
  auto it = s.rows.find(RowRef{keyId, minute});
  if (it == s.rows.end()) {
    // Reserve the row first so the bound holds exactly across threads.
    if (pending_.fetch_add(1, std::memory_order_relaxed) >= options_.maxPending) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    it = s.rows.emplace(RowKey{std::string(keyId), minute}, OutcomeCounts{}).first;
    rowsRecorded_.fetch_add(1, std::memory_order_relaxed);
  }
  ++it->second[index];
}

std::vector<UsageChunk> UsageTracker::drain() {
  std::vector<RowMap> taken;
  {
    std::lock_guard lock(shardsMu_);
    taken.reserve(shards_.size());
    for (auto& s : shards_) {
      RowMap m;
      {
        // Swap under the shard's lock; building chunks happens without it.
        std::lock_guard shardLock(s->mu);
        if (s->rows.empty()) continue;
        m.swap(s->rows);
      }
      taken.push_back(std::move(m));
    }
  }
  const size_t per = std::max<size_t>(1, options_.rowsPerChunk);
  std::vector<UsageChunk> chunks;
  for (auto& m : taken) {
    while (!m.empty()) {
      if (chunks.empty() || chunks.back().rows.size() >= per) {
        chunks.push_back(UsageChunk{crypto::toHex(crypto::randomBytes(16)), {}});
        chunks.back().rows.reserve(per);
      }
      auto node = m.extract(m.begin());
      chunks.back().rows.push_back(UsageRow{std::move(node.key().keyId), node.key().minute, node.mapped()});
    }
  }
  return chunks;
}

bool UsageTracker::pushChunks(std::vector<UsageChunk>& chunks) {
  size_t rows = 0;
  for (const auto& c : chunks) rows += c.rows.size();
  if (auto s = queue_.push(chunks); !s) {
    pushFailures_.fetch_add(1);
    if (!pushFailing_) {
      spdlog::warn("usage: queue unavailable ({}); keeping {} rows in memory", codeName(s.error().code), pending());
    }
    pushFailing_ = true;
    return false;
  }
  if (pushFailing_) spdlog::info("usage: queue available again");
  pushFailing_ = false;
  pending_.fetch_sub(rows, std::memory_order_relaxed);
  rowsPushed_.fetch_add(rows);
  chunks.clear();
  return true;
}

bool UsageTracker::push() {
  // While chunks wait for a retry, new rows stay in the shards, where a key's answers in one
  // minute keep coalescing into one row (so an outage fills memory by keys, not by pushes).
  if (!retry_.empty() && !pushChunks(retry_)) return false;
  std::vector<UsageChunk> chunks = drain();
  if (chunks.empty()) return true;
  if (pushChunks(chunks)) return true;
  retry_ = std::move(chunks);
  return false;
}

bool UsageTracker::flush() {
  bool ok = true;
  const auto start = clock_.monotonic();
  const uint64_t chunksBefore = flushChunks_.load();
  if (auto r = queue_.flush(*counting_); !r) {
    flushFailures_.fetch_add(1);
    if (!flushFailing_) spdlog::warn("usage: flush failed ({}); retrying every interval", codeName(r.error().code));
    flushFailing_ = true;
    ok = false;
  } else {
    if (*r > 0) {
      spdlog::info("usage: flushed {} rows to PostgreSQL in {} ms ({} chunks)", *r,
                   std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - start).count(),
                   flushChunks_.load() - chunksBefore);
    }
    if (flushFailing_) spdlog::info("usage: flush succeeded again");
    flushFailing_ = false;
  }
  // The prune does not depend on the queue: PostgreSQL may be up while Redis is not.
  const SteadyTime now = clock_.monotonic();
  if (!lastPrune_ || now - *lastPrune_ >= options_.pruneEvery) {
    const int64_t nowS = toUnixSeconds(clock_.now());
    auto pruned = sink_.pruneUsage(nowS - options_.retentionDays * 86'400, nowS - 86'400);
    if (pruned) {
      lastPrune_ = now;
      pruneFailing_ = false;
      pruneRuns_.fetch_add(1);
      if (*pruned > 0) spdlog::info("usage: pruned {} rows past retention", *pruned);
    } else {
      if (!pruneFailing_) {
        spdlog::warn("usage: retention prune failed ({}); retrying at each flush", codeName(pruned.error().code));
      }
      pruneFailing_ = true;
      ok = false;
    }
  }
  return ok;
}

}  // namespace authd::verify
