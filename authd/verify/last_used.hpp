// lastUsedAt without I/O on the hot path. /verify records a use in memory
// (LastUsedBuffer: coalesced, one entry per key holding the latest time); a
// background thread (LastUsedTracker) pushes the buffer to a queue shared by
// every instance (Redis) a few times a second, and every flush interval moves
// what is queued into PostgreSQL in batches. When the queue is down the
// tracker writes to PostgreSQL directly; when both are down it keeps the uses
// and retries, so nothing acknowledged by the buffer is lost short of a crash.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
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
#include "core/string_hash.hpp"
#include "keys/key_store.hpp"

namespace authd::verify {

// Thread-safe, bounded, in-memory coalescing of key uses: max time per key.
class LastUsedBuffer {
 public:
  // Holds at most `maxKeys` distinct keys; uses of further new keys are dropped (and counted).
  explicit LastUsedBuffer(size_t maxKeys = 1'000'000, size_t shards = 16);
  LastUsedBuffer(const LastUsedBuffer&) = delete;
  LastUsedBuffer& operator=(const LastUsedBuffer&) = delete;

  // Keeps max(previous, usedAtMs) for the key; allocates only for a key not yet buffered.
  void record(std::string_view keyId, int64_t usedAtMs);
  // Takes every buffered use, leaving the buffer empty.
  std::vector<keys::KeyUse> drain();
  // Distinct keys buffered now.
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Uses of new keys refused because the buffer was full.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // The bound given at construction.
  size_t maxKeys() const { return maxKeys_; }

 private:
  using KeyHash = StringHash;  // also picks a key's shard
  // Cache-line aligned so threads on neighbouring shards don't false-share.
  struct alignas(64) Shard {
    std::mutex mu;
    StringMap<int64_t> map;  // transparent: a lookup by string_view builds no std::string
  };

  Shard& shardFor(std::string_view key);

  const size_t maxKeys_;
  const size_t shardCount_;
  const std::unique_ptr<Shard[]> shards_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> dropped_{0};
};

// The buffer shared by every authd instance, between their memory and PostgreSQL.
class LastUsedQueue {
 public:
  virtual ~LastUsedQueue() = default;
  // Adds uses, keeping the max time per key across every push.
  virtual Status push(const std::vector<keys::KeyUse>& uses) = 0;
  // Moves what is queued into `store` (touchLastUsed per batch of `batchSize`); returns rows written.
  // Safe when several instances call it at once; work left by a flush that died is finished by the next.
  virtual Result<size_t> flush(keys::LastUsedSink& store, size_t batchSize) = 0;
};

struct LastUsedOptions {
  std::chrono::milliseconds pushInterval{250};    // buffer → queue
  std::chrono::milliseconds flushInterval{5000};  // queue → PostgreSQL (LAST_USED_FLUSH_MS)
  size_t batchSize = 5000;                        // rows per UPDATE statement
  size_t maxKeys = 1'000'000;                     // bound of the in-memory buffer
};

// Owns the buffer and the thread that moves it to the queue and the queue to PostgreSQL.
class LastUsedTracker {
 public:
  LastUsedTracker(LastUsedQueue& queue, keys::LastUsedSink& store, const Clock& clock, LastUsedOptions options = {});
  // Stops (pushing and flushing what is pending) if still running.
  ~LastUsedTracker();
  LastUsedTracker(const LastUsedTracker&) = delete;
  LastUsedTracker& operator=(const LastUsedTracker&) = delete;

  // The hot path: memory only.
  void record(std::string_view keyId, int64_t usedAtMs) { buffer_.record(keyId, usedAtMs); }
  // Runs `job` beside lastUsedAt: its push after each push, its flush after each flush (and both at
  // stop). Call before start(); the job must outlive the tracker's thread.
  void addJob(FlushJob& job) { jobs_.push_back(&job); }
  // Starts the background thread.
  void start();
  // Stops the thread, then pushes what is buffered and runs one flush. Idempotent.
  void stop();

  // Drains the buffer into the queue (or PostgreSQL if the queue fails); false if uses had to be kept.
  bool pushNow();
  // Runs one queue flush; false if it failed.
  bool flushNow();
  // One step of the background thread at steady time `now`: pushes, and flushes when a flush
  // interval has passed since the first step (fixed rate, so a slow flush does not delay the
  // next). The thread calls it every push interval; tests call it with their own clock.
  void tick(SteadyTime now);

  // touchLastUsed batches written by queue flushes.
  uint64_t flushBatches() const { return flushBatches_.load(); }
  // Rows written by queue flushes.
  uint64_t flushedRows() const { return flushedRows_.load(); }
  // Rows written straight to PostgreSQL because the queue was unavailable.
  uint64_t directWrites() const { return directWrites_.load(); }
  // Pushes the queue refused.
  uint64_t pushFailures() const { return pushFailures_.load(); }
  // Flushes that failed.
  uint64_t flushFailures() const { return flushFailures_.load(); }
  // Uses in memory, not yet pushed anywhere.
  size_t pending() const { return buffer_.size(); }
  // Uses refused because the in-memory buffer was full.
  uint64_t dropped() const { return buffer_.dropped(); }

 private:
  class CountingStore;
  void run();

  LastUsedQueue& queue_;
  keys::LastUsedSink& store_;
  const Clock& clock_;
  const LastUsedOptions options_;
  LastUsedBuffer buffer_;
  std::unique_ptr<CountingStore> counting_;
  std::vector<FlushJob*> jobs_;

  std::mutex workMu_;  // one push/flush at a time (thread vs. stop())
  std::mutex mu_;      // guards stopping_ / started_ / stopped_
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;

  std::atomic<uint64_t> flushBatches_{0};
  std::atomic<uint64_t> flushedRows_{0};
  std::atomic<uint64_t> directWrites_{0};
  std::atomic<uint64_t> pushFailures_{0};
  std::atomic<uint64_t> flushFailures_{0};
  std::optional<SteadyTime> nextFlush_;  // set by the first tick (one ticking thread)
  bool pushFailing_ = false;             // for logging transitions only (under workMu_)
  bool flushFailing_ = false;            // likewise
};

}  // namespace authd::verify
