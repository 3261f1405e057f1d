// Numbered schema migrations: which to apply, in what order. The planning is
// pure (unit-tested with a fake ledger); PgLedger applies them for real.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace authd::store::pg {

// One file of sql/, e.g. {"001_init.sql", "CREATE TABLE ..."}.
struct MigrationFile {
  std::string name;
  std::string sql;
};

// A migration with its version number parsed from the file name.
struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// The migrations compiled into this binary (generated from sql/ at build time).
const std::vector<MigrationFile>& embeddedMigrations();

// Where applied versions are recorded. Implementations serialise concurrent
// runners (several authd instances may start at once).
class MigrationLedger {
 public:
  virtual ~MigrationLedger() = default;
  // Takes the ledger's lock and creates its table if needed; released by unlock().
  virtual Status lock() = 0;
  // Releases what lock() took.
  virtual void unlock() = 0;
  // Versions already applied.
  virtual Result<std::set<int>> applied() = 0;
  // Runs the migration and records it atomically.
  virtual Status apply(const Migration& m) = 0;
};

// Parses "NNN_name.sql" names and sorts by version; rejects bad names and
// duplicate versions.
Result<std::vector<Migration>> parseMigrations(const std::vector<MigrationFile>& files);

// The migrations in `all` not yet in `applied`, in order.
std::vector<Migration> pending(const std::vector<Migration>& all, const std::set<int>& applied);

// Applies what is pending; returns the names applied (empty: nothing to do).
Result<std::vector<std::string>> migrate(MigrationLedger& ledger, const std::vector<MigrationFile>& files);

}  // namespace authd::store::pg
