#include "events/housekeeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace authd::events {

Housekeeper::Housekeeper(AuditPruner& pruner, ExpiryScanner& scanner, const Clock& clock, HousekeeperOptions options)
    : pruner_(pruner), scanner_(scanner), clock_(clock), options_(options) {}

Housekeeper::~Housekeeper() { stop(); }

Housekeeper::Ran Housekeeper::tick() {
  std::lock_guard work(tickMu_);
  const SteadyTime now = clock_.monotonic();
  if (!ranOnce_) {
    ranOnce_ = true;
    nextPrune_ = now;
    nextScan_ = now;
  }
  Ran ran;
  if (now >= nextPrune_) {
    ran.pruned = true;
    ++pruneRuns_;
    nextPrune_ = now + options_.pruneEvery;
    const SysTime before = clock_.now() - std::chrono::days(options_.retentionDays);
    if (auto r = pruner_.pruneEvents(before)) {
      prunedRows_ += r->rows;
      if (r->rows > 0)
        spdlog::info("audit prune: {} events older than {} days deleted", r->rows, options_.retentionDays);
      if (r->more) nextPrune_ = now;  // catching up: the next tick goes on
    } else {
      ++pruneFailures_;
      spdlog::warn("audit prune failed ({}); retried next interval", codeName(r.error().code));
    }
  }
  if (now >= nextScan_ && !stopRequested_.load()) {
    ran.scanned = true;
    ++scanRuns_;
    nextScan_ = now + options_.scanEvery;
    if (auto r = scanner_.scanExpiries(clock_.now())) {
      for (size_t i = 0; i < kExpiryThresholdCount; ++i) notices_[i] += r->written[i];
      if (r->total() > 0) {
        spdlog::info("expiry scan: {} notices (7d {}, 1d {}, expired {})", r->total(), r->written[0], r->written[1],
                     r->written[2]);
      }
    } else {
      ++scanFailures_;
      spdlog::warn("expiry scan failed ({}); retried next interval", codeName(r.error().code));
    }
  }
  return ran;
}

std::chrono::milliseconds Housekeeper::untilDue() const {
  std::lock_guard work(tickMu_);
  if (!ranOnce_) return std::chrono::milliseconds(0);
  const SteadyTime due = std::min(nextPrune_, nextScan_);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - clock_.monotonic());
  return std::max(left, std::chrono::milliseconds(0));
}

void Housekeeper::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      tick();
      const auto sleep = std::clamp(untilDue(), std::chrono::milliseconds(1), options_.maxSleep);
      lock.lock();
      cv_.wait_for(lock, sleep, [this] { return stopping_; });
    }
  });
}

void Housekeeper::stop() {
  stopRequested_ = true;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace authd::events
