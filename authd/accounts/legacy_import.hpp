// Users and API keys of the original NestJS service (its TypeORM "users" and "api_keys" tables), what
// `authd import-nestjs` makes of them, and its report. The rules are here; store/pg/pg_nestjs_import reads the
// source and writes authd's tables, authd/import_cli.cpp prints the report.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace authd::accounts {

// A row of the original "users" table. Times are text ("YYYY-MM-DD HH:MM:SS.ffffff+00"): the source's
// `timestamp without time zone`, read as UTC.
struct LegacyUser {
  std::string id;  // uuid
  std::string email;
  std::optional<std::string> name;
  std::string passwordHash;  // bcrypt, from node bcrypt
  bool isActive = true;
  std::optional<std::string> createdAt;
};

// A row of the original "api_keys" table, without its bcrypt hash (never read).
struct LegacyKey {
  std::string id;  // uuid
  std::string userId;
  std::string name;
  bool isActive = true;
  std::optional<std::string> expiresAt, lastUsedAt, createdAt;
};

// What authd would store for a LegacyUser, or why it cannot.
struct LegacyUserPlan {
  std::optional<std::string> skip;      // why the user cannot be imported (then nothing else is set)
  std::string name;                     // authd's users.name: 1–100 characters, no control characters
  std::optional<std::string> nameNote;  // why `name` is not the source's name as it was
};

// Checks a source user against authd's rules: a UUID id; an email that authd's signup and login accept, as typed
// (no surrounding spaces); a bcrypt password hash ($2a$, $2b$, $2y$; 60 characters). A NULL or blank name becomes
// the email's local part; a longer one than 100 characters is cut; control characters become spaces.
LegacyUserPlan planLegacyUser(const LegacyUser& user);

// A user the import reports by name (collided, skipped or renamed), with the reason.
struct ReportedUser {
  std::string id;
  std::string email;
  std::string reason;
};

// An original API key to re-issue, as listed in nestjs_import_keys.
struct ReissueKey {
  std::string id;
  std::string name;
  bool isActive = true;
  std::optional<std::string> expiresAt;
  std::optional<std::string> lastUsedAt;
  bool newlyListed = false;  // recorded by this run (false: an earlier import already had it)
};

// One user's keys to re-issue.
struct ReissueEntry {
  std::string userId;
  std::string email;
  std::vector<ReissueKey> keys;
};

// What an import did (or, with --dry-run, would do).
struct ImportReport {
  bool dryRun = false;
  size_t sourceUsers = 0;        // rows read from the source's users
  size_t imported = 0;           // inserted into authd's users
  size_t unchanged = 0;          // already in authd with the same id and email (never overwritten)
  size_t collisions = 0;         // an email or id that authd has for another account: not imported
  size_t skipped = 0;            // not importable (see planLegacyUser)
  size_t sourceKeys = 0;         // rows read from the source's api_keys
  size_t keysListed = 0;         // recorded for re-issue by this run
  size_t keysAlreadyListed = 0;  // recorded by an earlier run
  size_t keysNotListed = 0;      // their owner is not in authd (collision or skipped)
  std::vector<ReportedUser> collisionList;
  std::vector<ReportedUser> skippedList;
  std::vector<ReportedUser> renamedList;  // imported with a name other than the source's
  std::vector<ReissueEntry> reissue;      // per user, every key of theirs listed for re-issue
  // Changes to authd's tables (what a second run of the same import reports as 0).
  size_t changes() const { return imported + keysListed; }
};

// The report as one JSON object ({dryRun, users: {...}, keys: {...}, collisions, skipped, renamed, reissue}).
nlohmann::json reportJson(const ImportReport& report);
// The report as text for an operator: the counts, then each list.
std::string reportText(const ImportReport& report);

}  // namespace authd::accounts
