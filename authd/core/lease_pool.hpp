// A bounded pool of connections lent out as RAII leases; the one mechanism
// under the PostgreSQL and the Redis pools. A lease goes back to the idle list
// when it ends, or is dropped when marked broken (or no longer reusable); a
// dropped connection usually means the server restarted, so the idle ones go
// with it and the next leases connect anew. Knows nothing of the connection
// type beyond how to open one and whether it is still usable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/scope_exit.hpp"

namespace authd {

template <typename Conn, typename Deleter = std::default_delete<Conn>>
class LeasePool {
 public:
  using Handle = std::unique_ptr<Conn, Deleter>;

  struct Options {
    int size = 8;                                    // most connections open at once
    std::chrono::milliseconds acquireTimeout{2000};  // longest wait for a connection to come back
    // After a failed connect, acquire() fails fast with the same error this
    // long instead of dialling again (0: dial on every call).
    std::chrono::milliseconds backoff{0};
    Error exhausted{Code::kInternal};  // what acquire() returns when nothing came back in time
    // Opens one connection (never a null handle on success).
    std::function<Result<Handle>()> connect;
    // Asked when a lease ends: false drops the connection as if broken. Unset: always reusable.
    std::function<bool(const Conn&)> reusable;
  };

  // A connection on loan; returned to the pool (or dropped if broken) on destruction.
  class Lease {
   public:
    Lease(Lease&& o) noexcept
        : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)), fresh_(o.fresh_), broken_(o.broken_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ && conn_) pool_->release(std::move(conn_), broken_);
    }
    Conn& conn() { return *conn_; }
    // Drops the connection instead of returning it to the pool.
    void markBroken() { broken_ = true; }
    // True once markBroken() was called.
    bool broken() const { return broken_; }
    // True when the connection was opened for this lease.
    bool fresh() const { return fresh_; }

   private:
    friend class LeasePool;
    Lease(LeasePool* pool, Handle conn, bool fresh) : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}
    LeasePool* pool_;
    Handle conn_;
    bool fresh_;
    bool broken_ = false;
  };

  explicit LeasePool(Options options) : options_(std::move(options)) {}
  LeasePool(const LeasePool&) = delete;
  LeasePool& operator=(const LeasePool&) = delete;

  // Whether acquire() may dial during the back-off after a failed connect.
  enum class Dial {
    kUnlessBackingOff,  // the request path: fail fast rather than dial a server that just refused
    kAlways,            // a readiness probe: it must tell the truth now, right after a restart too
  };

  // Borrows an idle connection, else opens one if the pool has room, else
  // waits up to acquireTimeout for one to come back. A failed connect returns
  // its error (and starts the back-off, if any).
  Result<Lease> acquire(Dial dial = Dial::kUnlessBackingOff);

  int open() const { return open_.load(); }         // connections open now (lent or idle)
  uint64_t waits() const { return waits_.load(); }  // acquires that had to wait
  int size() const { return options_.size; }

 private:
  void release(Handle conn, bool broken);

  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Handle> idle_;
  std::atomic<int> open_{0};
  std::atomic<uint64_t> waits_{0};
  std::chrono::steady_clock::time_point downUntil_{};  // under mu_: no dialling before this
  std::optional<Error> downError_;                     // under mu_: the failure that set downUntil_
};

template <typename Conn, typename Deleter>
auto LeasePool<Conn, Deleter>::acquire(Dial dial) -> Result<Lease> {
  {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.acquireTimeout;
    bool waited = false;
    while (idle_.empty() && open_.load() >= options_.size) {
      if (!waited) waits_.fetch_add(1);
      waited = true;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_.load() >= options_.size) {
        return fail(options_.exhausted);
      }
    }
    if (!idle_.empty()) {
      Handle c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c), false);
    }
    if (dial == Dial::kUnlessBackingOff && downError_ && std::chrono::steady_clock::now() < downUntil_) {
      return fail(*downError_);
    }
    open_.fetch_add(1);  // reserve a slot, connect outside the lock
  }
  // The slot goes back unless the connect succeeds (also if it throws).
  ScopeExit giveBack([this] {
    open_.fetch_sub(1);
    cv_.notify_one();
  });
  auto c = options_.connect();
  if (!c) {
    if (options_.backoff.count() > 0) {
      std::lock_guard lock(mu_);
      downUntil_ = std::chrono::steady_clock::now() + options_.backoff;
      downError_ = c.error();
    }
    return fail(std::move(c.error()));
  }
  giveBack.dismiss();
  return Lease(this, std::move(*c), true);
}

template <typename Conn, typename Deleter>
void LeasePool<Conn, Deleter>::release(Handle conn, bool broken) {
  if (broken || (options_.reusable && !options_.reusable(*conn))) {
    conn.reset();
    open_.fetch_sub(1);
    // One dead connection usually means the server restarted: the idle ones
    // are dead too, so drop them rather than let each fail one request.
    std::vector<Handle> dropped;  // closed after the lock is released
    {
      std::lock_guard lock(mu_);
      dropped.swap(idle_);
      open_.fetch_sub(static_cast<int>(dropped.size()));
    }
    cv_.notify_all();  // several slots may have freed up
    return;
  }
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace authd
