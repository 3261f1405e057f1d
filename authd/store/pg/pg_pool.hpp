// A bounded pool of libpqxx connections with RAII leases (a LeasePool). A connection that
// breaks is discarded and the next lease connects anew, so the pool recovers
// by itself after PostgreSQL restarts. pqxx exceptions stop here: run()
// returns Result with kDatabaseUnavailable for connection-level failures.
#pragma once

#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/lease_pool.hpp"

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
  std::string conninfo;  // libpq connection string
  int size = 8;          // most connections open at once
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
  using Lease = LeasePool<pqxx::connection>::Lease;

  // Borrows a connection, opening one if none is idle and the pool has room;
  // waits up to acquireTimeout otherwise.
  Result<Lease> acquire() { return pool_.acquire(); }

  // Runs fn(pqxx::connection&) -> T or Result<T> on a leased connection.
  // A broken connection on a reused lease drops every idle connection and is
  // retried once on a fresh one (the failed transaction did not commit); other
  // pqxx errors map to Errors.
  template <typename F>
  RunResult<F> run(F&& fn);

  // SELECT 1 on a pooled connection.
  Status ping();

  int open() const { return pool_.open(); }         // connections open now
  uint64_t waits() const { return pool_.waits(); }  // acquires that had to wait
  int size() const { return pool_.size(); }

 private:
  static Error classify(const std::exception& e, bool& broken);

  PgPoolOptions options_;
  LeasePool<pqxx::connection> pool_;  // connects with options_
};

// Retention: runs a bounded DELETE (exec(tx) runs it with LIMIT `batch` and returns the rows it deleted),
// one short transaction per batch, until a batch deletes fewer than `batch` rows or `maxBatches` ran.
// Returns the rows deleted.
template <typename F>
Result<size_t> deleteInBatches(PgPool& pool, int batch, int maxBatches, F&& exec) {
  size_t total = 0;
  for (int i = 0; i < maxBatches; ++i) {
    auto deleted = pool.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      const size_t n = exec(tx);
      tx.commit();
      return n;
    });
    if (!deleted) return fail(std::move(deleted.error()));
    total += *deleted;
    if (*deleted < static_cast<size_t>(batch)) break;
  }
  return total;
}

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
