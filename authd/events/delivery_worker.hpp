// The webhook delivery worker: claims due deliveries (sql/006_events.sql's
// webhook_deliveries) from a DeliveryStore, signs and sends them through a
// WebhookSender, and records each outcome. At least once: a claim pushes the
// row's next attempt a lease ahead before anything is sent, so exactly one
// instance sends each attempt, and an attempt lost with its instance (kill -9)
// is sent again once the lease runs out. An outcome is recorded only if no
// later claim took the row meanwhile. Never on the request path: a thread of
// its own polls, and WEBHOOK_CONCURRENCY threads send.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/delivery_policy.hpp"
#include "events/event.hpp"
#include "events/secret_box.hpp"
#include "events/webhook_sender.hpp"

namespace authd::events {

// One claimed attempt: the delivery row, its endpoint and its event.
struct DueDelivery {
  int64_t id = 0;
  int attempts = 0;  // counting this one (the claim added it)
  std::string webhookId;
  std::string url;
  std::string sealedSecret;  // webhooks.secret_encrypted, opened with the SecretBox for webhookId
  bool endpointDeleted = false;
  Event event;
};

// What became of an attempt.
enum class AttemptResult {
  kDelivered,  // a 2xx answer: state delivered
  kRetry,      // failed; tried again after a backoff (state stays pending)
  kFailed,     // failed for good: the retry deadline passed, or the endpoint is deleted
};

// An outcome to record on the row claimed with `attempts`.
struct AttemptRecord {
  int64_t id = 0;
  int attempts = 0;
  AttemptResult result = AttemptResult::kRetry;
  int status = 0;                        // HTTP status; 0: none
  std::string error{};                   // empty when delivered
  std::chrono::milliseconds retryIn{0};  // kRetry: the delay before the next attempt
};

// The pending backlog, across every instance.
struct QueueStats {
  int64_t pending = 0;
  double oldestPendingSeconds = 0;  // age of the oldest pending delivery; 0 when none
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;
  // Claims up to `limit` due pending deliveries, oldest due first, skipping rows another claim holds: adds one to
  // their attempts and moves their next attempt `lease` ahead.
  virtual Result<std::vector<DueDelivery>> claimDue(int limit, std::chrono::milliseconds lease) = 0;
  // Records an outcome if the row is still pending with the claim's attempts; false when it is not (a later
  // claim took it after the lease ran out).
  virtual Result<bool> record(const AttemptRecord& r) = 0;
  // Pending deliveries and the oldest one's age.
  virtual Result<QueueStats> queueStats() = 0;
};

struct DeliveryWorkerOptions {
  int concurrency = 4;                         // WEBHOOK_CONCURRENCY: attempts in flight
  std::chrono::milliseconds timeout{5000};     // WEBHOOK_TIMEOUT_MS: one attempt
  std::chrono::seconds retryFor{86'400};       // WEBHOOK_RETRY_FOR: then failed
  std::chrono::milliseconds lease{0};          // how long a claim holds a row; 0: timeout + 5 s
  std::chrono::milliseconds poll{200};         // how often due rows are looked for when idle
  std::chrono::milliseconds statsEvery{5000};  // how often queueStats() is sampled
  BackoffPolicy backoff{};
};

class DeliveryWorker {
 public:
  // `random`: uniform in [0, 1), for the jitter; empty: a seeded std::mt19937_64.
  DeliveryWorker(DeliveryStore& store, WebhookSender& sender, const SecretBox& secrets, const Clock& clock,
                 DeliveryWorkerOptions options, std::function<double()> random = {});
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Claims up to `concurrency` due deliveries and attempts them on the calling thread, one after the other;
  // how many it claimed. Tests call it; the threads of start() do the same concurrently.
  Result<size_t> tick();
  // Samples the store's queue stats into queueDepth() and oldestPendingSeconds(). The thread calls it.
  Status sampleQueue();
  // Starts the polling thread and the sending threads.
  void start();
  // Stops them: sends in flight are cancelled and, like claimed rows not sent yet, left to their lease. Idempotent.
  void stop();

  // The lease a claim takes.
  std::chrono::milliseconds lease() const { return lease_; }
  // Recorded outcomes by result, since start.
  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failedAttempts() const { return failedAttempts_.load(); }
  uint64_t failed() const { return failed_.load(); }
  // The last sample of the backlog.
  int64_t queueDepth() const { return queueDepth_.load(); }
  double oldestPendingSeconds() const { return oldestPending_.load(); }

  // The outcome of one claimed attempt, sending it unless the endpoint is gone; nullopt when the send was
  // cancelled (nothing is recorded: the lease brings it back).
  std::optional<AttemptRecord> attempt(const DueDelivery& d);

 private:
  void deliver(const DueDelivery& d);  // attempt, record, count
  double random();
  void pollLoop();
  void sendLoop();

  DeliveryStore& store_;
  WebhookSender& sender_;
  const SecretBox& secrets_;
  const Clock& clock_;
  const DeliveryWorkerOptions options_;
  const std::chrono::milliseconds lease_;
  std::function<double()> random_;
  std::mutex randomMu_;
  std::mt19937_64 rng_;

  std::mutex mu_;
  std::condition_variable work_;   // senders wait for queue_
  std::condition_variable freed_;  // the poller waits for a free sender
  std::deque<DueDelivery> queue_;
  int busy_ = 0;
  bool stopping_ = false;
  bool claimFailing_ = false;  // logged once per outage, not per poll
  std::thread poller_;
  std::vector<std::thread> senders_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failedAttempts_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<int64_t> queueDepth_{0};
  std::atomic<double> oldestPending_{0};
};

}  // namespace authd::events
