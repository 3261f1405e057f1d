// Logged-out access tokens (by jti) and revoked sessions (by sid, every access
// token of the session), until their tokens expire. Lookups are in memory and
// never block: the set is fed by the invalidation bus (pub/sub and the
// PostgreSQL poll), so a token denied on one instance is denied on all.
// DenylistPruner drops lapsed entries on a schedule, in memory and in the
// store, so the set holds at most what was denied within one token lifetime.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/changes.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/string_hash.hpp"

namespace authd::tokens {

// How long past its revocation a session's denial lasts: its access tokens were issued before the revocation
// committed (a rotation racing it may issue one a moment after), so they expire within one access-token lifetime;
// a minute's margin covers that race and clock skew between instances.
inline constexpr std::chrono::seconds kSessionDenialMargin{60};
// The end of the denial of a session revoked at `revokedAt` (unix seconds), saturating rather than overflowing.
int64_t sessionDenialEnd(int64_t revokedAt, std::chrono::seconds accessLifetime);

class Denylist final : public ChangeListener {
 public:
  // True when `jti` was denied and that denial has not expired.
  bool contains(std::string_view jti, int64_t nowSeconds) const;
  // True when the session `sid` was revoked and that denial has not expired (an empty sid never is).
  bool containsSession(std::string_view sid, int64_t nowSeconds) const;
  // Denies `jti` until `expiresAt` (unix seconds).
  void add(std::string jti, int64_t expiresAt);
  // Denies every access token of session `sid` until `until` (unix seconds).
  void addSession(std::string sid, int64_t until);
  // Drops entries whose tokens have expired anyway.
  void prune(int64_t nowSeconds);
  // Entries held: denied jtis plus revoked sessions.
  size_t size() const;
  // Denied jtis; revoked sessions.
  size_t tokens() const;
  size_t sessions() const;
  void onChange(const Change& change) override;

 private:
  using Map = StringMap<int64_t>;  // transparent: lookups by string_view build no std::string
  mutable std::shared_mutex mu_;
  Map denied_;    // jti → exp
  Map sessions_;  // sid → end of the denial
};

// Where denials are kept beyond this process (PostgreSQL).
class DenialStore {
 public:
  virtual ~DenialStore() = default;
  // Deletes denials of tokens that have expired and sessions that can no longer refresh nor hold a live access
  // token; returns how many rows went.
  virtual Result<size_t> pruneExpired() = 0;
};

// Prunes the denylist and the store every `interval` of the injected clock, on its own thread, never on the
// request path.
class DenylistPruner {
 public:
  DenylistPruner(Denylist& denylist, DenialStore& store, const Clock& clock, std::chrono::seconds interval);
  ~DenylistPruner();
  DenylistPruner(const DenylistPruner&) = delete;
  DenylistPruner& operator=(const DenylistPruner&) = delete;

  // Prunes if `interval` has passed on the clock since the last prune (the first call always does); true if it
  // pruned. The thread calls it; tests call it with a FakeClock.
  bool tick();
  // Starts the thread, which calls tick() every `wake`.
  void start(std::chrono::milliseconds wake = std::chrono::milliseconds(1000));
  // Stops the thread. Idempotent.
  void stop();

  // Prunes done, and store prunes that failed (the memory prune still happened).
  uint64_t runs() const { return runs_.load(); }
  uint64_t storeFailures() const { return storeFailures_.load(); }
  // Rows the store deleted, in total.
  uint64_t storeRowsPruned() const { return storeRows_.load(); }

 private:
  Denylist& denylist_;
  DenialStore& store_;
  const Clock& clock_;
  const std::chrono::seconds interval_;
  std::mutex tickMu_;
  bool ranOnce_ = false;
  SysTime last_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> runs_{0};
  std::atomic<uint64_t> storeFailures_{0};
  std::atomic<uint64_t> storeRows_{0};
};

}  // namespace authd::tokens
