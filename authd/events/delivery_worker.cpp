#include "events/delivery_worker.hpp"

#include <spdlog/spdlog.h>

#include "events/sealed_token.hpp"
#include "events/signature.hpp"
#include "events/webhook_message.hpp"

namespace authd::events {
namespace {

// A claim's lease beyond the attempt's own timeout: room for the recording after it.
constexpr std::chrono::seconds kLeaseMargin{5};

std::string statusError(int status) {
  if (status >= 300 && status < 400) return "redirect not followed (status " + std::to_string(status) + ")";
  return "status " + std::to_string(status);
}

}  // namespace

DeliveryWorker::DeliveryWorker(DeliveryStore& store, WebhookSender& sender, const SecretBox& secrets,
                               const Clock& clock, DeliveryWorkerOptions options, std::function<double()> random)
    : store_(store),
      sender_(sender),
      secrets_(secrets),
      clock_(clock),
      options_(options),
      lease_(options.lease.count() > 0 ? options.lease : options.timeout + std::chrono::milliseconds(kLeaseMargin)),
      random_(std::move(random)),
      rng_(std::random_device{}()) {}

DeliveryWorker::~DeliveryWorker() { stop(); }

double DeliveryWorker::random() {
  if (random_) return random_();
  std::lock_guard lock(randomMu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::optional<AttemptRecord> DeliveryWorker::attempt(const DueDelivery& d) {
  AttemptRecord r{.id = d.id, .attempts = d.attempts};
  if (d.endpointDeleted) {
    r.result = AttemptResult::kFailed;
    r.error = "endpoint deleted";
    return r;
  }
  std::optional<std::string> key;
  if (auto secret = secrets_.open(d.sealedSecret, d.webhookId)) key = webhookSecretKey(*secret);
  if (!key) {
    // Not sent unsigned; WEBHOOK_SECRETS_KEY may come back, so it is retried like any failure.
    r.error = "secret cannot be opened (WEBHOOK_SECRETS_KEY changed?)";
  } else {
    // A password reset's token is opened here, for this body only (events/sealed_token.hpp).
    const std::string body = webhookBody(openSealedToken(d.event, secrets_));
    const auto outcome = sender_.send(
        {d.url, webhookHeaders(*key, d.event.id, toUnixSeconds(clock_.now()), body), body, options_.timeout});
    if (outcome.cancelled) return std::nullopt;
    r.status = outcome.status;
    if (outcome.status >= 200 && outcome.status < 300) {
      r.result = AttemptResult::kDelivered;
      return r;
    }
    r.error = outcome.status != 0 ? statusError(outcome.status) : outcome.error;
  }
  const auto retry = nextRetry(options_.backoff, d.attempts, random(), d.event.at, clock_.now(), options_.retryFor);
  r.result = retry ? AttemptResult::kRetry : AttemptResult::kFailed;
  if (retry) r.retryIn = *retry;
  return r;
}

void DeliveryWorker::deliver(const DueDelivery& d) {
  const auto r = attempt(d);
  if (!r) return;
  const auto recorded = store_.record(*r);
  if (!recorded) {
    // The lease runs out and the attempt is made again: at least once.
    spdlog::warn("webhook delivery {}: cannot record the attempt ({}); retried after its lease", d.id,
                 codeName(recorded.error().code));
    return;
  }
  if (!*recorded) {
    spdlog::info("webhook delivery {}: attempt {} outlived its lease; another claim took it", d.id, d.attempts);
    return;
  }
  switch (r->result) {
    case AttemptResult::kDelivered: ++delivered_; break;
    case AttemptResult::kRetry: ++failedAttempts_; break;
    case AttemptResult::kFailed:
      ++failed_;
      spdlog::warn("webhook delivery {} (endpoint {}, event {}) failed after {} attempts: {}", d.id, d.webhookId,
                   d.event.id, d.attempts, r->error);
      break;
  }
}

Result<size_t> DeliveryWorker::tick() {
  auto due = store_.claimDue(options_.concurrency, lease_);
  if (!due) return fail(std::move(due.error()));
  for (const auto& d : *due) deliver(d);
  return due->size();
}

Status DeliveryWorker::sampleQueue() {
  auto stats = store_.queueStats();
  if (!stats) return fail(std::move(stats.error()));
  queueDepth_ = stats->pending;
  oldestPending_ = stats->oldestPendingSeconds;
  return {};
}

void DeliveryWorker::start() {
  std::lock_guard lock(mu_);
  if (poller_.joinable() || stopping_) return;
  for (int i = 0; i < options_.concurrency; ++i) senders_.emplace_back([this] { sendLoop(); });
  poller_ = std::thread([this] { pollLoop(); });
}

void DeliveryWorker::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_.notify_all();
  freed_.notify_all();
  sender_.cancel();
  if (poller_.joinable()) poller_.join();
  for (auto& t : senders_) t.join();
  senders_.clear();
}

void DeliveryWorker::pollLoop() {
  auto nextSample = clock_.monotonic();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (clock_.monotonic() >= nextSample) {
      lock.unlock();
      if (auto s = sampleQueue(); !s) spdlog::debug("webhook queue sample failed: {}", s.error().message);
      nextSample = clock_.monotonic() + options_.statsEvery;
      lock.lock();
      continue;
    }
    const int free = options_.concurrency - busy_ - static_cast<int>(queue_.size());
    if (free <= 0) {
      // Every sender busy: wait for one (or the poll interval, to keep sampling).
      freed_.wait_for(lock, options_.poll);
      continue;
    }
    lock.unlock();
    auto due = store_.claimDue(free, lease_);
    lock.lock();
    if (!due) {
      if (!claimFailing_) {
        spdlog::warn("webhook delivery: cannot claim due deliveries ({}: {}); retrying", codeName(due.error().code),
                     due.error().message);
      }
      claimFailing_ = true;
      freed_.wait_for(lock, options_.poll, [this] { return stopping_; });
      continue;
    }
    if (claimFailing_) spdlog::info("webhook delivery: claiming again");
    claimFailing_ = false;
    const bool full = static_cast<int>(due->size()) == free;
    for (auto& d : *due) queue_.push_back(std::move(d));
    if (!due->empty()) work_.notify_all();
    // A full claim may have left more due rows: claim again once a sender frees up; else wait a poll.
    if (!full) freed_.wait_for(lock, options_.poll, [this] { return stopping_; });
  }
}

void DeliveryWorker::sendLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // Rows still queued keep their claim's lease: another instance (or this one, restarted) sends them.
    if (stopping_) return;
    DueDelivery d = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    deliver(d);
    lock.lock();
    --busy_;
    freed_.notify_one();
  }
}

}  // namespace authd::events
