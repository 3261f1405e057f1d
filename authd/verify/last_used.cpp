#include "verify/last_used.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <span>
#include <system_error>

namespace authd::verify {

// ---------------------------------------------------------------- LastUsedBuffer

LastUsedBuffer::LastUsedBuffer(size_t maxKeys, size_t shards)
    : maxKeys_(maxKeys), shardCount_(std::max<size_t>(1, shards)), shards_(std::make_unique<Shard[]>(shardCount_)) {}

LastUsedBuffer::Shard& LastUsedBuffer::shardFor(std::string_view key) {
  // Re-mix before reducing: each shard's map buckets on the same hash.
  const uint64_t h = static_cast<uint64_t>(KeyHash{}(key)) * 0x9E3779B97F4A7C15ull;
  return shards_[static_cast<size_t>(h >> 32) % shardCount_];
}

void LastUsedBuffer::record(std::string_view keyId, int64_t usedAtMs) {
  Shard& s = shardFor(keyId);
  std::lock_guard lock(s.mu);
  if (const auto it = s.map.find(keyId); it != s.map.end()) {
    if (usedAtMs > it->second) it->second = usedAtMs;
    return;
  }
  // Reserve a slot first so the bound holds exactly across shards.
  if (size_.fetch_add(1, std::memory_order_relaxed) >= maxKeys_) {
    size_.fetch_sub(1, std::memory_order_relaxed);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  s.map.emplace(std::string(keyId), usedAtMs);
}

std::vector<keys::KeyUse> LastUsedBuffer::drain() {
  std::vector<keys::KeyUse> out;
  out.reserve(size());
  for (size_t i = 0; i < shardCount_; ++i) {
    Shard& s = shards_[i];
    decltype(s.map) taken;
    {
      // Swap under the lock; copying out happens without it, off the hot path's way.
      std::lock_guard lock(s.mu);
      taken.swap(s.map);
      size_.fetch_sub(taken.size(), std::memory_order_relaxed);
    }
    while (!taken.empty()) {
      auto node = taken.extract(taken.begin());
      out.push_back(keys::KeyUse{std::move(node.key()), node.mapped()});
    }
  }
  return out;
}

// ---------------------------------------------------------------- LastUsedTracker

// Forwards to the real store and counts the batches and rows a flush wrote.
class LastUsedTracker::CountingStore final : public keys::LastUsedSink {
 public:
  CountingStore(keys::LastUsedSink& inner, std::atomic<uint64_t>& batches, std::atomic<uint64_t>& rows)
      : inner_(inner), batches_(batches), rows_(rows) {}
  Status touchLastUsed(const std::vector<keys::KeyUse>& uses) override {
    auto s = inner_.touchLastUsed(uses);
    if (s) {
      batches_.fetch_add(1);
      rows_.fetch_add(uses.size());
    }
    return s;
  }

 private:
  keys::LastUsedSink& inner_;
  std::atomic<uint64_t>& batches_;
  std::atomic<uint64_t>& rows_;
};

LastUsedTracker::LastUsedTracker(LastUsedQueue& queue, keys::LastUsedSink& store, const Clock& clock,
                                 LastUsedOptions options)
    : queue_(queue),
      store_(store),
      clock_(clock),
      options_(options),
      buffer_(options.maxKeys),
      counting_(std::make_unique<CountingStore>(store, flushBatches_, flushedRows_)) {}

LastUsedTracker::~LastUsedTracker() { stop(); }

void LastUsedTracker::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { run(); });
}

void LastUsedTracker::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // What was recorded since the last tick reaches the queue, and the queue PostgreSQL.
  pushNow();
  flushNow();
  if (const size_t left = buffer_.size(); left > 0) {
    spdlog::error("lastUsedAt: {} key uses could not be saved at shutdown (queue and PostgreSQL unavailable)", left);
  }
}

bool LastUsedTracker::pushNow() {
  std::lock_guard work(workMu_);
  bool ok = true;
  for (FlushJob* job : jobs_) ok = job->push() && ok;
  std::vector<keys::KeyUse> uses = buffer_.drain();
  if (uses.empty()) return ok;
  if (queue_.push(uses)) {
    if (pushFailing_) spdlog::info("lastUsedAt: queue available again");
    pushFailing_ = false;
    return ok;
  }
  pushFailures_.fetch_add(1);
  if (!pushFailing_) spdlog::warn("lastUsedAt: queue unavailable; writing uses to PostgreSQL directly");
  pushFailing_ = true;
  // The queue may have taken part of it; writing everything is harmless (the UPDATE keeps the max).
  const size_t batch = std::max<size_t>(1, options_.batchSize);
  for (size_t i = 0; i < uses.size(); i += batch) {
    const size_t end = std::min(uses.size(), i + batch);
    std::vector<keys::KeyUse> chunk(std::make_move_iterator(uses.begin() + static_cast<ptrdiff_t>(i)),
                                    std::make_move_iterator(uses.begin() + static_cast<ptrdiff_t>(end)));
    if (store_.touchLastUsed(chunk)) {
      directWrites_.fetch_add(chunk.size());
      continue;
    }
    // Neither is reachable: keep the rest in memory (max semantics) for the next tick.
    for (const auto& u : chunk) buffer_.record(u.keyId, u.usedAtMs);
    for (size_t j = end; j < uses.size(); ++j) buffer_.record(uses[j].keyId, uses[j].usedAtMs);
    return false;
  }
  return ok;
}

bool LastUsedTracker::flushNow() {
  std::lock_guard work(workMu_);
  const auto start = clock_.monotonic();
  // The jobs (usage counts, credit balances) run beside lastUsedAt, each on its own PostgreSQL connections:
  // one flush lasts as long as its longest part, not the sum of them.
  const auto runJobs = [this] {
    bool ok = true;
    for (FlushJob* job : jobs_) ok = job->flush() && ok;
    return ok;
  };
  std::future<bool> jobs;
  bool jobsOk = true;
  if (!jobs_.empty()) {
    try {
      jobs = std::async(std::launch::async, runJobs);
    } catch (const std::system_error&) {  // no thread to be had: run them here
      jobsOk = runJobs();
    }
  }
  const uint64_t batchesBefore = flushBatches_.load();
  auto r = queue_.flush(*counting_, options_.batchSize);
  const auto lastUsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - start).count();
  if (jobs.valid()) jobsOk = jobs.get();
  if (r && *r > 0) {
    spdlog::info("lastUsedAt: flushed {} keys to PostgreSQL in {} ms ({} batches); the whole flush took {} ms", *r,
                 lastUsedMs, flushBatches_.load() - batchesBefore,
                 std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - start).count());
  }
  if (!r) {
    flushFailures_.fetch_add(1);
    if (!flushFailing_)
      spdlog::warn("lastUsedAt: flush failed ({}); retrying every interval", codeName(r.error().code));
    flushFailing_ = true;
    return false;
  }
  if (flushFailing_) spdlog::info("lastUsedAt: flush succeeded again");
  flushFailing_ = false;
  return jobsOk;
}

void LastUsedTracker::tick(SteadyTime now) {
  if (!nextFlush_) nextFlush_ = now + options_.flushInterval;
  // Push before flushing so a flush carries everything this instance has seen.
  pushNow();
  if (now < *nextFlush_) return;
  flushNow();
  *nextFlush_ += options_.flushInterval;
  // Far behind (the process was stopped, a flush took several intervals): one flush, then on schedule again.
  if (*nextFlush_ <= now) *nextFlush_ = now + options_.flushInterval;
}

void LastUsedTracker::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    tick(clock_.monotonic());
    lock.lock();
    // A duration, not a deadline: the injected clock need not be the condition variable's.
    const auto untilFlush = *nextFlush_ - clock_.monotonic();
    const auto wait = std::max<SteadyTime::duration>(SteadyTime::duration::zero(),
                                                     std::min<SteadyTime::duration>(options_.pushInterval, untilFlush));
    if (cv_.wait_for(lock, wait, [this] { return stopping_; })) break;
  }
}

}  // namespace authd::verify
