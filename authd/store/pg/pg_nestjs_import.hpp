// `authd import-nestjs`'s reading and writing: the original NestJS service's users and API keys from its
// PostgreSQL (read-only: one repeatable-read, read-only transaction) into authd's users and nestjs_import_keys
// (migration 009), by accounts/legacy_import's rules. Insert-only: a user already in authd is never changed, so a
// second run changes nothing.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "accounts/legacy_import.hpp"
#include "core/error.hpp"
#include "store/pg/migrations.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

struct NestjsImportOptions {
  std::string source;   // libpq connection string or URI of the original service's database
  bool dryRun = false;  // everything in one transaction on the target, rolled back: nothing is written
  // --dry-run applies these (the pending ones) in its transaction first, so it works on a target not yet migrated.
  std::vector<MigrationFile> migrations;
  size_t batchSize = 1000;  // users per target transaction (each commits whole or not at all)
  // After each batch: users done, users in the source.
  std::function<void(size_t done, size_t total)> progress;
};

// Runs the import. kDatabaseUnavailable when the source or the target cannot be reached (the message says which);
// any other failure is kInternal with a message (a source without the expected tables, say). A failure after some
// batches committed says how far it got: running again goes on from there.
Result<accounts::ImportReport> importNestjs(PgPool& target, const NestjsImportOptions& options);

}  // namespace authd::store::pg
