// The two places usage counts go after the tracker's memory, in memory: the
// shared queue (Redis in production) and the sink (PostgreSQL's key_usage).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "verify/usage.hpp"

namespace authd::testing {

using UsageTable = std::map<std::pair<std::string, int64_t>, verify::OutcomeCounts>;

// Adds each chunk id once; prune records its cutoffs. Either can be told to fail.
class FakeUsageSink final : public verify::UsageSink {
 public:
  Result<bool> addUsage(std::string_view chunkId, const std::vector<verify::UsageRow>& rows) override {
    std::lock_guard lock(mu_);
    if (failing_) return fail(Code::kDatabaseUnavailable);
    if (!applied_.emplace(chunkId).second) return false;
    for (const auto& r : rows) {
      auto& c = table_[{r.keyId, r.minute}];
      for (size_t o = 0; o < verify::kOutcomeCount; ++o) c[o] += r.counts[o];
    }
    return true;
  }
  Result<size_t> pruneUsage(int64_t usageBefore, int64_t chunksBefore) override {
    std::lock_guard lock(mu_);
    prunes_.emplace_back(usageBefore, chunksBefore);
    if (pruneFailing_) return fail(Code::kDatabaseUnavailable);
    return 0;
  }

  void setFailing(bool f) {
    std::lock_guard lock(mu_);
    failing_ = f;
  }
  void setPruneFailing(bool f) {
    std::lock_guard lock(mu_);
    pruneFailing_ = f;
  }
  UsageTable table() {
    std::lock_guard lock(mu_);
    return table_;
  }
  std::vector<std::pair<int64_t, int64_t>> prunes() {
    std::lock_guard lock(mu_);
    return prunes_;
  }

 private:
  std::mutex mu_;
  UsageTable table_;
  std::set<std::string, std::less<>> applied_;
  std::vector<std::pair<int64_t, int64_t>> prunes_;
  bool failing_ = false;
  bool pruneFailing_ = false;
};

// Applies each token once, like the Redis queue. Can fail outright, or apply and then fail
// (a reply lost after Redis took the push). flush hands everything to the sink as one chunk.
class FakeUsageQueue final : public verify::UsageQueue {
 public:
  enum class Mode { kOk, kFail, kApplyThenFail };

  Status push(const std::vector<verify::UsageChunk>& chunks) override {
    std::lock_guard lock(mu_);
    ++pushes_;
    for (const auto& c : chunks) pushedTokens_.push_back(c.token);
    if (mode_ == Mode::kFail) return fail(Code::kCacheUnavailable);
    for (const auto& c : chunks) {
      if (!seen_.insert(c.token).second) continue;
      for (const auto& r : c.rows) {
        auto& q = queued_[{r.keyId, r.minute}];
        for (size_t o = 0; o < verify::kOutcomeCount; ++o) q[o] += r.counts[o];
      }
    }
    if (mode_ == Mode::kApplyThenFail) return fail(Code::kCacheUnavailable);
    return {};
  }
  Result<size_t> flush(verify::UsageSink& sink) override {
    std::lock_guard lock(mu_);
    ++flushes_;
    if (mode_ == Mode::kFail) return fail(Code::kCacheUnavailable);
    if (queued_.empty()) return 0;
    std::vector<verify::UsageRow> rows;
    for (const auto& [k, c] : queued_) rows.push_back({k.first, k.second, c});
    if (auto r = sink.addUsage("flush:" + std::to_string(flushes_), rows); !r) return fail(r.error());
    queued_.clear();
    return rows.size();
  }

  void setMode(Mode m) {
    std::lock_guard lock(mu_);
    mode_ = m;
  }
  UsageTable queued() {
    std::lock_guard lock(mu_);
    return queued_;
  }
  std::vector<std::string> pushedTokens() {
    std::lock_guard lock(mu_);
    return pushedTokens_;
  }
  int pushes() {
    std::lock_guard lock(mu_);
    return pushes_;
  }

 private:
  std::mutex mu_;
  UsageTable queued_;
  std::set<std::string> seen_;
  std::vector<std::string> pushedTokens_;
  Mode mode_ = Mode::kOk;
  int pushes_ = 0;
  int flushes_ = 0;
};

}  // namespace authd::testing
