// A bounded pool of libpqxx connections with RAII leases. A connection that
// breaks is discarded and the next lease connects anew, so the pool recovers
// by itself after PostgreSQL restarts. pqxx exceptions stop here: run()
// returns Result with kDatabaseUnavailable for connection-level failures.
#pragma once

#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace authd::store::pg {

// Result<T> for a callback returning T or Result<T>.
template <typename T>
struct Unwrap {
  using type = T;
};
template <typename T>
struct Unwrap<Result<T>> {
  using type = T;
};
template <typename F>
using RunResult = Result<typename Unwrap<std::invoke_result_t<F, pqxx::connection&>>::type>;

struct PgPoolOptions {
  std::string conninfo;     // libpq connection string
  int size = 8;             // most connections open at once
  std::chrono::milliseconds acquireTimeout{2000};
  // Runs on each new connection (prepares statements).
  std::function<void(pqxx::connection&)> onConnect;
};

// Builds a libpq connection string (values quoted) with connect and statement timeouts.
std::string makeConninfo(const std::string& host, int port, const std::string& user, const std::string& password,
                         const std::string& dbname, std::chrono::milliseconds connectTimeout,
                         std::chrono::milliseconds statementTimeout);

class PgPool {
 public:
  explicit PgPool(PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection on loan; returned to the pool (or dropped if broken) on destruction.
  class Lease {
   public:
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)), fresh_(o.fresh_) { o.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& conn() { return *conn_; }
    // Drops the connection instead of returning it to the pool.
    void markBroken() { broken_ = true; }
    // True when the connection was opened for this lease.
    bool fresh() const { return fresh_; }

   private:
    friend class PgPool;
    Lease(PgPool* p, std::unique_ptr<pqxx::connection> c, bool fresh) : pool_(p), conn_(std::move(c)), fresh_(fresh) {}
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool fresh_;
    bool broken_ = false;
  };

  // Borrows a connection, opening one if none is idle and the pool has room;
  // waits up to acquireTimeout otherwise.
  Result<Lease> acquire();

  // Runs fn(pqxx::connection&) -> T or Result<T> on a leased connection.
  // A broken connection on a reused lease drops every idle connection and is
  // retried once on a fresh one (the failed transaction did not commit); other
  // pqxx errors map to Errors.
  template <typename F>
  RunResult<F> run(F&& fn);

  // SELECT 1 on a pooled connection.
  Status ping();

  int open() const { return open_.load(); }          // connections open now
  uint64_t waits() const { return waits_.load(); }   // acquires that had to wait
  int size() const { return options_.size; }

 private:
  void release(std::unique_ptr<pqxx::connection> c, bool broken);
  static Error classify(const std::exception& e, bool& broken);

  PgPoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::atomic<int> open_{0};
  std::atomic<uint64_t> waits_{0};
};

template <typename F>
RunResult<F> PgPool::run(F&& fn) {
  using R = std::invoke_result_t<F, pqxx::connection&>;
  for (int attempt = 0;; ++attempt) {
    std::optional<Error> err;
    bool retry = false;
    {
      auto lease = acquire();
      if (!lease) return fail(lease.error());
      try {
        if constexpr (std::is_void_v<R>) {
          fn(lease->conn());
          return {};
        } else {
          return fn(lease->conn());
        }
      } catch (const std::exception& e) {
        bool broken = false;
        err = classify(e, broken);
        if (broken) lease->markBroken();
        retry = broken && !lease->fresh() && attempt == 0 && !dynamic_cast<const pqxx::in_doubt_error*>(&e);
      }
    }  // the lease goes back (a broken one takes the idle ones with it) before any retry
    if (!retry) return fail(std::move(*err));
  }
}

}  // namespace authd::store::pg
