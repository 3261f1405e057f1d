// The delivery worker's two outside parts in memory: a DeliveryStore holding
// due rows and the outcomes recorded, and a WebhookSender answering from a
// script and keeping every request. Either can be told to fail.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "events/delivery_worker.hpp"

namespace authd::testing {

class FakeDeliveryStore final : public events::DeliveryStore {
 public:
  Result<std::vector<events::DueDelivery>> claimDue(int limit, std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    claims_.push_back({limit, lease});
    if (failClaims_ > 0) {
      --failClaims_;
      return fail(Code::kDatabaseUnavailable, "claim refused by the test");
    }
    std::vector<events::DueDelivery> out;
    while (!due_.empty() && static_cast<int>(out.size()) < limit) {
      out.push_back(std::move(due_.front()));
      due_.pop_front();
    }
    return out;
  }
  Result<bool> record(const events::AttemptRecord& r) override {
    std::lock_guard lock(mu_);
    if (failRecords_) return fail(Code::kDatabaseUnavailable, "record refused by the test");
    records_.push_back(r);
    return !leaseLost_;
  }
  Result<events::QueueStats> queueStats() override {
    std::lock_guard lock(mu_);
    ++statsCalls_;
    return stats_;
  }

  void add(events::DueDelivery d) {
    std::lock_guard lock(mu_);
    due_.push_back(std::move(d));
  }
  std::vector<events::AttemptRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }
  std::vector<std::pair<int, std::chrono::milliseconds>> claims() const {
    std::lock_guard lock(mu_);
    return claims_;
  }
  int statsCalls() const {
    std::lock_guard lock(mu_);
    return statsCalls_;
  }
  void failClaims(int n) {
    std::lock_guard lock(mu_);
    failClaims_ = n;
  }
  void failRecords(bool on) {
    std::lock_guard lock(mu_);
    failRecords_ = on;
  }
  // record() answers false: a later claim took the row.
  void loseLeases(bool on) {
    std::lock_guard lock(mu_);
    leaseLost_ = on;
  }
  void setStats(events::QueueStats s) {
    std::lock_guard lock(mu_);
    stats_ = s;
  }

 private:
  mutable std::mutex mu_;
  std::deque<events::DueDelivery> due_;
  std::vector<events::AttemptRecord> records_;
  std::vector<std::pair<int, std::chrono::milliseconds>> claims_;
  int failClaims_ = 0;
  bool failRecords_ = false;
  bool leaseLost_ = false;
  int statsCalls_ = 0;
  events::QueueStats stats_;
};

// Answers each send with `answer(request)` (200 when unset); blocks while held (see hold()), until cancel().
class FakeWebhookSender final : public events::WebhookSender {
 public:
  events::SendOutcome send(const events::WebhookRequest& request) override {
    std::unique_lock lock(mu_);
    requests_.push_back(request);
    ++inFlight_;
    maxInFlight_ = std::max(maxInFlight_, inFlight_);
    cv_.wait(lock, [this] { return !held_ || cancelled_; });
    if (cancelled_) {
      --inFlight_;
      return {.error = "cancelled", .cancelled = true};
    }
    const auto answer = answer_;
    lock.unlock();  // answers run side by side, as real sends do
    const auto out = answer ? answer(request) : events::SendOutcome{.status = 200};
    lock.lock();
    --inFlight_;
    return out;
  }
  void cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

  void setAnswer(std::function<events::SendOutcome(const events::WebhookRequest&)> answer) {
    std::lock_guard lock(mu_);
    answer_ = std::move(answer);
  }
  // While held, sends wait (counted in flight).
  void hold(bool on) {
    std::lock_guard lock(mu_);
    held_ = on;
    cv_.notify_all();
  }
  std::vector<events::WebhookRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int inFlight() const {
    std::lock_guard lock(mu_);
    return inFlight_;
  }
  int maxInFlight() const {
    std::lock_guard lock(mu_);
    return maxInFlight_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::function<events::SendOutcome(const events::WebhookRequest&)> answer_;
  std::vector<events::WebhookRequest> requests_;
  int inFlight_ = 0;
  int maxInFlight_ = 0;
  bool held_ = false;
  bool cancelled_ = false;
};

}  // namespace authd::testing
