// The migration ledger in PostgreSQL: table schema_migrations, serialised
// across concurrent authd instances by a session advisory lock.
#pragma once

#include <optional>

#include "store/pg/migrations.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgLedger final : public MigrationLedger {
 public:
  explicit PgLedger(PgPool& pool) : pool_(pool) {}
  Status lock() override;
  void unlock() override;
  Result<std::set<int>> applied() override;
  Status apply(const Migration& m) override;

 private:
  template <typename F>
  Status guarded(F&& fn);

  PgPool& pool_;
  std::optional<PgPool::Lease> lease_;  // held from lock() to unlock(): the advisory lock is per session
};

}  // namespace authd::store::pg
