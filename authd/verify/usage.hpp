// Usage counting without I/O on the hot path. /verify records each answer
// about a known key in memory (UsageTracker: one increment in a shard of the
// calling thread's own, rows coalesced per key and UTC minute); the lastUsedAt
// tracker's thread pushes the rows to a queue shared by every instance
// (Redis) a few times a second, in chunks carrying a token so a retried push
// is applied once, and every flush interval moves what is queued into
// PostgreSQL (key_usage), each chunk applied exactly once (usage_flushes).
// Redis down: rows stay in memory (bounded) and are pushed when it returns.
// PostgreSQL down: they wait in Redis.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/flush_job.hpp"
#include "verify/usage_outcome.hpp"

namespace authd::verify {

// The UTC minute (unix s, a multiple of 60) a time in ms falls in.
inline int64_t usageMinute(int64_t nowMs) {
  const int64_t m = nowMs >= 0 ? nowMs / 60'000 : (nowMs - 59'999) / 60'000;
  return m * 60;
}

// One key's counts in one UTC minute.
struct UsageRow {
  std::string keyId;
  int64_t minute = 0;  // unix s
  OutcomeCounts counts{};
};

// Rows pushed together. The token makes the push idempotent: a chunk whose token
// the queue has seen is not added again.
struct UsageChunk {
  std::string token;
  std::vector<UsageRow> rows;
};

// Where queued usage ends up (PostgreSQL's key_usage).
class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Adds `rows` to the stored counts in one transaction, unless chunk `chunkId` was applied
  // before: true = added now, false = skipped. Rows of unknown keys are dropped.
  virtual Result<bool> addUsage(std::string_view chunkId, const std::vector<UsageRow>& rows) = 0;
  // Deletes (in bounded batches) usage of minutes before `usageBefore` and chunk markers
  // applied before `chunksBefore` (both unix s); returns rows deleted.
  virtual Result<size_t> pruneUsage(int64_t usageBefore, int64_t chunksBefore) = 0;
};

// The queue shared by every authd instance, between their memory and the sink.
class UsageQueue {
 public:
  virtual ~UsageQueue() = default;
  // Adds every chunk's rows to the queue, each chunk at most once per token (so pushing again
  // chunks whose reply was lost counts nothing twice). An error: some may have been added.
  virtual Status push(const std::vector<UsageChunk>& chunks) = 0;
  // Moves what is queued into `sink` chunk by chunk; returns rows written. Safe when several
  // instances call it at once; work left by a flush that died is finished by the next, and a
  // chunk it had already applied is not applied again.
  virtual Result<size_t> flush(UsageSink& sink) = 0;
};

struct UsageOptions {
  size_t maxPending = 500'000;                     // USAGE_MAX_PENDING: rows in memory, retries included
  int64_t retentionDays = 90;                      // USAGE_RETENTION_DAYS
  size_t rowsPerChunk = 1000;                      // rows per push chunk
  std::chrono::milliseconds pruneEvery{3600'000};  // retention prune interval (and on the first flush)
};

// The in-memory side of usage counting, run by the lastUsedAt tracker as a FlushJob.
class UsageTracker final : public UsageRecorder, public FlushJob {
 public:
  UsageTracker(UsageQueue& queue, UsageSink& sink, const Clock& clock, UsageOptions options = {});
  ~UsageTracker() override;
  UsageTracker(const UsageTracker&) = delete;
  UsageTracker& operator=(const UsageTracker&) = delete;

  // The hot path: one increment in the calling thread's shard; allocates only for a new row.
  void record(std::string_view keyId, int64_t nowMs, Outcome outcome) override;

  std::string_view name() const override { return "usage"; }
  // Chunks that failed before are pushed again first (same tokens); only once they are in,
  // the rows recorded since are drained into new chunks and pushed. false: kept for the next push.
  bool push() override;
  // The queue → the sink, and the retention prune when it is due.
  bool flush() override;

  // Rows (key, minute) created in memory.
  uint64_t rowsRecorded() const { return rowsRecorded_.load(std::memory_order_relaxed); }
  // Rows the queue accepted.
  uint64_t rowsPushed() const { return rowsPushed_.load(); }
  // Rows flushes wrote to the sink (skipped chunks not included).
  uint64_t rowsFlushed() const { return rowsFlushed_.load(); }
  // Chunks flushes applied to the sink.
  uint64_t flushChunks() const { return flushChunks_.load(); }
  // Answers not counted because memory held maxPending rows.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Rows in memory: recorded, or pushed and waiting for a retry.
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  // Retention prunes that succeeded.
  uint64_t pruneRuns() const { return pruneRuns_.load(); }
  // Pushes and flushes that failed.
  uint64_t pushFailures() const { return pushFailures_.load(); }
  uint64_t flushFailures() const { return flushFailures_.load(); }

 private:
  struct RowKey {
    std::string keyId;
    int64_t minute;
  };
  struct RowRef {
    std::string_view keyId;
    int64_t minute;
  };
  // Transparent over RowKey and RowRef, so a hit builds no std::string.
  struct RowHash {
    using is_transparent = void;
    size_t operator()(const RowRef& r) const noexcept;
    size_t operator()(const RowKey& r) const noexcept { return (*this)(RowRef{r.keyId, r.minute}); }
  };
  struct RowEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const noexcept {
      return a.minute == b.minute && std::string_view(a.keyId) == std::string_view(b.keyId);
    }
  };
  using RowMap = std::unordered_map<RowKey, OutcomeCounts, RowHash, RowEq>;
  // One per recording thread; its mutex is contended only by the drain. Cache-line aligned.
  struct alignas(64) Shard {
    std::mutex mu;
    RowMap rows;
  };
  class CountingSink;

  Shard& localShard();
  Shard& registerThread();
  std::vector<UsageChunk> drain();
  bool pushChunks(std::vector<UsageChunk>& chunks);

  UsageQueue& queue_;
  UsageSink& sink_;
  const Clock& clock_;
  const UsageOptions options_;
  const uint64_t id_;  // never reused, so a thread's cached shard pointer cannot outlive its tracker
  std::unique_ptr<CountingSink> counting_;

  std::mutex shardsMu_;  // registration and the drain's walk over shards_
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unordered_map<std::thread::id, Shard*> byThread_;

  std::vector<UsageChunk> retry_;        // chunks a push failed on (push() runs on one thread at a time)
  std::optional<SteadyTime> lastPrune_;  // flush() runs on one thread at a time
  bool pushFailing_ = false, flushFailing_ = false, pruneFailing_ = false;  // for logging transitions only

  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> rowsRecorded_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> rowsPushed_{0};
  std::atomic<uint64_t> rowsFlushed_{0};
  std::atomic<uint64_t> flushChunks_{0};
  std::atomic<uint64_t> pruneRuns_{0};
  std::atomic<uint64_t> pushFailures_{0};
  std::atomic<uint64_t> flushFailures_{0};
};

}  // namespace authd::verify
