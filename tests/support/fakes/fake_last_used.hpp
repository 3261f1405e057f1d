// The two places key uses go after the in-process buffer, in memory: the shared
// queue (Redis in production) and the sink (PostgreSQL's last_used_at).
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "keys/key_store.hpp"
#include "verify/last_used.hpp"

namespace authd::testing {

// Only touchLastUsed is real: it keeps the max per key and can be told to fail.
class FakeLastUsedSink final : public keys::LastUsedSink {
 public:
  Status touchLastUsed(const std::vector<keys::KeyUse>& uses) override {
    std::lock_guard lock(mu_);
    ++calls_;
    if (failing_) return fail(Code::kDatabaseUnavailable);
    for (const auto& u : uses) {
      auto& v = rows_[u.keyId];
      v = std::max(v, u.usedAtMs);
    }
    return {};
  }

  void setFailing(bool f) {
    std::lock_guard lock(mu_);
    failing_ = f;
  }
  std::map<std::string, int64_t> rows() {
    std::lock_guard lock(mu_);
    return rows_;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> rows_;
  bool failing_ = false;
  int calls_ = 0;
};

// Keeps the max per key; flush writes everything to the store in batches.
class FakeQueue final : public verify::LastUsedQueue {
 public:
  Status push(const std::vector<keys::KeyUse>& uses) override {
    std::lock_guard lock(mu_);
    ++pushes_;
    if (failing_) return fail(Code::kCacheUnavailable);
    for (const auto& u : uses) {
      auto [it, inserted] = queued_.emplace(u.keyId, u.usedAtMs);
      if (!inserted) it->second = std::max(it->second, u.usedAtMs);
    }
    return {};
  }
  Result<size_t> flush(keys::LastUsedSink& store, size_t batchSize) override {
    std::lock_guard lock(mu_);
    ++flushes_;
    if (failing_) return fail(Code::kCacheUnavailable);
    size_t written = 0;
    while (!queued_.empty()) {
      std::vector<keys::KeyUse> batch;
      for (auto it = queued_.begin(); it != queued_.end() && batch.size() < batchSize; ++it) {
        batch.push_back({it->first, it->second});
      }
      if (auto s = store.touchLastUsed(batch); !s) return fail(s.error());
      for (const auto& u : batch) queued_.erase(u.keyId);
      written += batch.size();
    }
    return written;
  }

  void setFailing(bool f) {
    std::lock_guard lock(mu_);
    failing_ = f;
  }
  std::map<std::string, int64_t> queued() {
    std::lock_guard lock(mu_);
    return queued_;
  }
  int flushes() {
    std::lock_guard lock(mu_);
    return flushes_;
  }
  int pushes() {
    std::lock_guard lock(mu_);
    return pushes_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> queued_;
  bool failing_ = false;
  int flushes_ = 0;
  int pushes_ = 0;
};

}  // namespace authd::testing
