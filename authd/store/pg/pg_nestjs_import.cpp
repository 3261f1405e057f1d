#include "store/pg/pg_nestjs_import.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "store/pg/pg_arrays.hpp"
#include "store/pg/sql.hpp"

namespace authd::store::pg {
namespace {

using accounts::ImportReport;
using accounts::LegacyKey;
using accounts::LegacyUser;
// One snapshot of the source for the whole import, and the source is never written.
using SourceTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;
using KeysByUser = std::map<std::string, std::vector<LegacyKey>>;

// A failure on one side (source or target), with whether that side is unreachable rather than wrong.
struct SideFailure {
  std::string side;
  bool unavailable = false;
  std::string what;
};

bool isUnavailable(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) || dynamic_cast<const pqxx::in_doubt_error*>(&e)) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    return state.starts_with("08") || state.starts_with("57P") || state == "57014" || state == "53300";
  }
  return false;
}

// What an error may say: its first line only. PostgreSQL's DETAIL line of a constraint violation repeats the row,
// password hash included ("Failing row contains (…, $2b$10$…)"), which never goes to the terminal.
std::string firstLine(const char* what) {
  const std::string_view s(what);
  return std::string(s.substr(0, s.find('\n')));
}

// Runs fn, turning what it throws into a SideFailure naming `side`.
template <typename F>
auto on(const char* side, F&& fn) {
  try {
    return fn();
  } catch (const SideFailure&) {
    throw;
  } catch (const std::exception& e) {
    throw SideFailure{side, isUnavailable(e), firstLine(e.what())};
  }
}

std::optional<std::string> optionalText(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

// Text or NULL, as a parameter.
const char* orNull(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

std::vector<LegacyUser> readUsers(SourceTx& tx, const std::optional<std::string>& after, size_t limit) {
  const auto rows = after ? tx.exec_params(sql::kSourceUsersAfter, *after, static_cast<int64_t>(limit))
                          : tx.exec_params(sql::kSourceUsersFirst, static_cast<int64_t>(limit));
  std::vector<LegacyUser> users;
  users.reserve(rows.size());
  for (const auto& r : rows) {
    LegacyUser u;
    u.id = r[0].as<std::string>();
    u.email = r[1].is_null() ? std::string() : r[1].as<std::string>();
    u.name = optionalText(r[2]);
    u.passwordHash = r[3].is_null() ? std::string() : r[3].as<std::string>();
    u.isActive = r[4].as<bool>();
    u.createdAt = optionalText(r[5]);
    users.push_back(std::move(u));
  }
  return users;
}

KeysByUser readKeys(SourceTx& tx, const std::vector<LegacyUser>& users) {
  KeysByUser keys;
  const auto rows = tx.exec_params(sql::kSourceKeysOf, arrayLiteral(users, [](const LegacyUser& u) { return u.id; }));
  for (const auto& r : rows) {
    LegacyKey k;
    k.id = r[0].as<std::string>();
    k.userId = r[1].as<std::string>();
    k.name = r[2].as<std::string>();
    k.isActive = r[3].as<bool>();
    k.expiresAt = optionalText(r[4]);
    k.lastUsedAt = optionalText(r[5]);
    k.createdAt = optionalText(r[6]);
    keys[k.userId].push_back(std::move(k));
  }
  return keys;
}

enum class Match { kNone, kSame, kCollision };

// How the source user meets authd's users: not at all, as the same account (id and email), or as a collision.
Match match(pqxx::work& tx, const LegacyUser& u, std::string& reason) {
  const auto rows = tx.exec_params(sql::kImportMatches, u.id, u.email);
  if (rows.empty()) return Match::kNone;
  for (const auto& r : rows) {
    const std::string id = r[0].as<std::string>();
    const bool sameEmail = r[1].as<bool>();
    if (id == u.id && sameEmail) return Match::kSame;
    if (!reason.empty()) reason += "; ";
    reason += id == u.id ? "the id exists in authd with another email" : "the email exists in authd as user " + id;
  }
  return Match::kCollision;
}

// Imports one batch of users (and lists their keys) inside `tx`, counting into `r`.
void importBatch(pqxx::work& tx, const std::vector<LegacyUser>& users, const KeysByUser& keys, ImportReport& r) {
  static const std::vector<LegacyKey> kNoKeys;
  for (const auto& u : users) {
    const auto found = keys.find(u.id);
    const std::vector<LegacyKey>& theirKeys = found == keys.end() ? kNoKeys : found->second;
    const accounts::LegacyUserPlan plan = accounts::planLegacyUser(u);
    if (plan.skip) {
      ++r.skipped;
      r.skippedList.push_back({u.id, u.email, *plan.skip});
      r.keysNotListed += theirKeys.size();
      continue;
    }
    std::string reason;
    Match m = match(tx, u, reason);
    bool inserted = false;
    if (m == Match::kNone) {
      inserted =
          tx.exec_params(sql::kImportUser, u.id, u.email, plan.name, u.passwordHash, u.isActive, orNull(u.createdAt))
              .affected_rows() == 1;
      // Nothing inserted: a signup (or another import) took the id or the email since the match; say which.
      if (!inserted) m = match(tx, u, reason);
      if (!inserted && m == Match::kNone) {
        m = Match::kCollision;
        reason = "the id or email was taken in authd during the import";
      }
    }
    if (m == Match::kCollision) {
      ++r.collisions;
      r.collisionList.push_back({u.id, u.email, reason});
      r.keysNotListed += theirKeys.size();
      continue;
    }
    if (inserted) {
      ++r.imported;
      if (plan.nameNote) r.renamedList.push_back({u.id, u.email, *plan.nameNote + " (\"" + plan.name + "\")"});
    } else {
      ++r.unchanged;
    }
    if (theirKeys.empty()) continue;
    accounts::ReissueEntry entry{u.id, u.email, {}};
    for (const auto& k : theirKeys) {
      const bool added = tx.exec_params(sql::kImportKey, k.id, u.id, k.name, k.isActive, orNull(k.expiresAt),
                                        orNull(k.lastUsedAt), orNull(k.createdAt))
                             .affected_rows() == 1;
      ++(added ? r.keysListed : r.keysAlreadyListed);
      entry.keys.push_back({k.id, k.name, k.isActive, k.expiresAt, k.lastUsedAt, added});
    }
    r.reissue.push_back(std::move(entry));
  }
}

// Adds a committed (or, dry, rolled-back) batch's counts and lists to the whole.
void merge(ImportReport& into, ImportReport&& part) {
  into.imported += part.imported;
  into.unchanged += part.unchanged;
  into.collisions += part.collisions;
  into.skipped += part.skipped;
  into.keysListed += part.keysListed;
  into.keysAlreadyListed += part.keysAlreadyListed;
  into.keysNotListed += part.keysNotListed;
  const auto append = [](auto& to, auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  append(into.collisionList, part.collisionList);
  append(into.skippedList, part.skippedList);
  append(into.renamedList, part.renamedList);
  append(into.reissue, part.reissue);
}

// --dry-run on a target that is not migrated yet: the pending migrations, in the transaction that is rolled back.
void applyPendingIn(pqxx::work& tx, const std::vector<MigrationFile>& files) {
  std::set<int> applied;
  if (tx.exec1(sql::kHasMigrationLedger)[0].as<bool>()) {
    for (const auto& row : tx.exec(sql::kAppliedMigrations)) applied.insert(row[0].as<int>());
  }
  auto all = parseMigrations(files);
  if (!all) throw std::runtime_error("migrations: " + all.error().message);
  for (const auto& m : pending(*all, applied)) tx.exec(m.sql);
}

}  // namespace

Result<ImportReport> importNestjs(PgPool& target, const NestjsImportOptions& o) {
  ImportReport report;
  report.dryRun = o.dryRun;
  const size_t batch = std::max<size_t>(o.batchSize, 1);
  size_t done = 0;
  size_t committed = 0;  // batches committed (a real run)
  try {
    auto source = on("source", [&] { return std::make_unique<pqxx::connection>(o.source); });
    auto lease = target.acquire();
    if (!lease) throw SideFailure{"target", lease.error().code == Code::kDatabaseUnavailable, lease.error().message};
    std::optional<SourceTx> srcTx;
    on("source", [&] {
      srcTx.emplace(*source);
      srcTx->exec0(sql::kSourceUtc);
      report.sourceUsers = srcTx->exec1(sql::kSourceUserCount)[0].as<size_t>();
      report.sourceKeys = srcTx->exec1(sql::kSourceKeyCount)[0].as<size_t>();
    });
    SourceTx& src = *srcTx;
    pqxx::connection& conn = lease->conn();
    std::optional<pqxx::work> dry;
    if (o.dryRun) {
      on("target", [&] {
        dry.emplace(conn);
        applyPendingIn(*dry, o.migrations);
      });
    }
    std::optional<std::string> after;
    for (;;) {
      std::vector<LegacyUser> users;
      KeysByUser keys;
      on("source", [&] {
        users = readUsers(src, after, batch);
        if (!users.empty()) keys = readKeys(src, users);
      });
      if (users.empty()) break;
      ImportReport part;
      on("target", [&] {
        if (dry) {
          importBatch(*dry, users, keys, part);
        } else {
          pqxx::work tx(conn);
          importBatch(tx, users, keys, part);
          tx.commit();
          ++committed;
        }
      });
      merge(report, std::move(part));
      done += users.size();
      if (o.progress) o.progress(done, report.sourceUsers);
      if (users.size() < batch) break;
      after = users.back().id;
    }
    // The source's read-only transaction ends without a commit: it changed nothing. `dry` rolls back likewise.
    if (dry) on("target", [&] { dry->abort(); });
    return report;
  } catch (const SideFailure& f) {
    std::string message = f.side + ": " + f.what;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    if (committed > 0) {
      message += " (after " + std::to_string(done) + " of " + std::to_string(report.sourceUsers) + " users, in " +
                 std::to_string(committed) + " committed batches: " + std::to_string(report.imported) +
                 " imported; run the import again to go on)";
    }
    return fail(f.unavailable ? Code::kDatabaseUnavailable : Code::kInternal, std::move(message));
  }
}

}  // namespace authd::store::pg
