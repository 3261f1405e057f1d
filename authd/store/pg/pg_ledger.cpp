#include "store/pg/pg_ledger.hpp"

#include <spdlog/spdlog.h>

namespace authd::store::pg {
namespace {

// Arbitrary but fixed: every authd instance takes the same advisory lock.
constexpr int64_t kMigrationLockId = 0x61757468645f6d;  // "authd_m"

constexpr const char* kCreateLedger = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

}  // namespace

template <typename F>
Status PgLedger::guarded(F&& fn) {
  if (!lease_) return fail(Code::kInternal, "migration ledger used without lock()");
  try {
    fn(lease_->conn());
    return {};
  } catch (const pqxx::broken_connection& e) {
    lease_->markBroken();
    return fail(Code::kDatabaseUnavailable, e.what());
  } catch (const std::exception& e) {
    return fail(Code::kInternal, e.what());
  }
}

Status PgLedger::lock() {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  lease_.emplace(std::move(*lease));
  return guarded([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockId);
    tx.exec(kCreateLedger);
  });
}

void PgLedger::unlock() {
  if (!lease_) return;
  (void)guarded([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockId);
  });
  lease_.reset();
}

Result<std::set<int>> PgLedger::applied() {
  std::set<int> out;
  auto s = guarded([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) out.insert(row[0].as<int>());
  });
  if (!s) return fail(s.error());
  return out;
}

Status PgLedger::apply(const Migration& m) {
  return guarded([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec(m.sql);
    tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name);
    tx.commit();
    spdlog::info("migration {} applied", m.name);
  });
}

}  // namespace authd::store::pg
