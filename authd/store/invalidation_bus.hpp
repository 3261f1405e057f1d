// Carries Changes to every authd instance. Fast path: Redis pub/sub
// (milliseconds). Safety net: a poll of PostgreSQL, the source of truth, for
// rows changed since the last poll, so revocations still arrive within the
// poll interval while Redis is down or a message was missed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/changes.hpp"
#include "core/clock.hpp"
#include "store/pg/pg_pool.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::store {

class InvalidationBus final : public ChangePublisher {
 public:
  // `accessLifetime`: how long access tokens live (JWT_EXPIRES_IN); a revoked session stays denied that long (plus a
  // margin) past its revocation.
  // `clock`'s monotonic time schedules the polls and reconnects.
  InvalidationBus(pg::PgPool& pg, redis::RedisPool& redis, const Clock& clock, std::chrono::milliseconds pollInterval,
                  std::chrono::seconds accessLifetime);
  ~InvalidationBus();
  InvalidationBus(const InvalidationBus&) = delete;
  InvalidationBus& operator=(const InvalidationBus&) = delete;

  // Registers a listener; call before start().
  void addListener(ChangeListener* listener);
  // Loads current revocations from PostgreSQL, then starts the subscriber/poller thread.
  void start();
  // Stops the thread. Idempotent.
  void stop();
  // Delivers `change` to this instance's listeners now and to the others over pub/sub
  // (best effort: the PostgreSQL poll delivers it anyway).
  void publish(const Change& change) override;
  // Whether the pub/sub subscription is currently connected.
  bool subscribed() const { return subscribed_.load(); }
  // Completed PostgreSQL polls (for tests and metrics).
  uint64_t polls() const { return polls_.load(); }

 private:
  void run();
  void deliver(const Change& change);
  bool pollPostgres();
  // True the first time a row version (kind, id, updated_at in µs) is seen by the poll.
  bool firstSighting(const char* kind, const std::string& id, int64_t versionUs);
  void handleMessage(std::string_view payload);

  pg::PgPool& pg_;
  redis::RedisPool& redis_;
  const Clock& clock_;
  std::chrono::milliseconds pollInterval_;
  std::chrono::seconds accessLifetime_;
  std::vector<ChangeListener*> listeners_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> polls_{0};
  int64_t watermarkMs_ = 0;  // database time of the last successful poll
  bool loadedRevocations_ = false;
  bool afterBulk_ = false;                         // the last poll found a bulk change
  std::unordered_map<std::string, int64_t> seen_;  // row versions delivered by the poll → updated_at µs
};

// "jti:<id>:<exp>", "sid:<id>:<until>", "user:<id>", "key:<hash>", "keynew:<hash>", "bulk:reload" ↔ Change;
// nullopt for anything else.
std::string encodeChange(const Change& change);
std::optional<Change> decodeChange(std::string_view payload);

}  // namespace authd::store
