#include "store/pg/pg_account_stores.hpp"

#include "accounts/account_audit.hpp"
#include "core/crypto.hpp"
#include "store/pg/pg_outbox.hpp"
#include "store/pg/sql.hpp"

namespace authd::store::pg {
namespace {

accounts::User toUser(const pqxx::row& r) {
  accounts::User u;
  u.id = r[0].as<std::string>();
  u.email = r[1].as<std::string>();
  u.name = r[2].as<std::string>();
  u.passwordHash = r[3].as<std::string>();
  u.isActive = r[4].as<bool>();
  u.createdAt = fromUnixMillis(r[5].as<int64_t>());
  return u;
}

Result<std::optional<accounts::User>> oneUser(PgPool& pool, const char* statement, std::string_view arg) {
  const std::string a(arg);
  return pool.run([&](pqxx::connection& c) -> std::optional<accounts::User> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared(statement, a);
    if (rows.empty()) return std::nullopt;
    return toUser(rows[0]);
  });
}

}  // namespace

void prepareStatements(pqxx::connection& c) {
  for (const auto& [name, statement] : sql::preparedStatements()) c.prepare(name, statement);
}

Result<accounts::User> PgUserStore::create(std::string_view email, std::string_view name, std::string_view passwordHash,
                                           const events::Origin& origin) {
  const std::string e(email), n(name), h(passwordHash);
  return pool_.run([&](pqxx::connection& c) -> Result<accounts::User> {
    try {
      pqxx::work tx(c);
      const auto row = tx.exec_prepared1("insert_user", e, n, h);
      auto user = toUser(row);
      auto signedUp = accounts::audit::signup(user, origin);
      commitWithEvents(tx, std::span(&signedUp, 1), counts_);
      return user;
    } catch (const pqxx::unique_violation&) {
      return fail(Code::kEmailTaken);
    }
  });
}

Result<std::optional<accounts::User>> PgUserStore::findByEmail(std::string_view email) {
  return oneUser(pool_, "user_by_email", email);
}

Result<std::optional<accounts::User>> PgUserStore::findById(std::string_view id) {
  if (!crypto::isUuid(id)) return std::nullopt;
  return oneUser(pool_, "user_by_id", id);
}

Result<bool> PgUserStore::upgradePasswordHash(std::string_view id, std::string_view oldHash, std::string_view newHash) {
  if (!crypto::isUuid(id)) return false;
  const std::string u(id), o(oldHash), n(newHash);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto rows = tx.exec_prepared("upgrade_password_hash", u, o, n);
    tx.commit();
    return rows.affected_rows() == 1;
  });
}

Result<std::optional<accounts::UserStatus>> PgUserStore::userStatus(std::string_view userId) {
  if (!crypto::isUuid(userId)) return std::optional<accounts::UserStatus>();
  const std::string u(userId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<accounts::UserStatus> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared("user_status", u);
    if (rows.empty()) return std::nullopt;
    accounts::UserStatus s;
    s.active = rows[0][0].as<bool>();
    if (!rows[0][1].is_null()) {
      s.rateLimit = accounts::UserRateOverride{rows[0][1].as<int64_t>(), rows[0][2].as<int64_t>()};
    }
    return s;
  });
}

namespace {

tokens::RefreshRecord toRefresh(const pqxx::row& row) {
  tokens::RefreshRecord rec;
  rec.id = row[0].as<std::string>();
  rec.userId = row[1].as<std::string>();
  rec.familyId = row[2].as<std::string>();
  rec.expiresAt = fromUnixMillis(row[3].as<int64_t>());
  rec.used = row[4].as<bool>();
  rec.revoked = row[5].as<bool>();
  return rec;
}

// Revokes the family and its tokens inside `tx`; the revocation time (unix seconds), nullopt without such a family.
std::optional<int64_t> revokeIn(pqxx::work& tx, const std::string& familyId) {
  const auto rows = tx.exec_prepared("revoke_family", familyId);
  if (rows.empty()) return std::nullopt;
  tx.exec_prepared0("revoke_family_tokens", familyId);
  return rows[0][0].as<int64_t>();
}

}  // namespace

Status PgRefreshStore::insert(const tokens::RefreshRecord& r, std::string_view tokenHash,
                              std::span<events::Event> events) {
  if (!crypto::isUuid(r.familyId) || !crypto::isUuid(r.userId)) {
    return fail(Code::kInternal, "refresh token row without UUIDs");
  }
  const std::string h(tokenHash);
  bool stale = false;
  auto s = pool_.run([&](pqxx::connection& c) {
    stale = false;
    pqxx::work tx(c);
    if (!r.passwordHash.empty() && tx.exec_prepared("user_still_has_hash", r.userId, r.passwordHash).empty()) {
      stale = true;  // the password changed (or the user was deactivated) since it was checked: no session
      return;
    }
    tx.exec_prepared0("insert_family", r.familyId, r.userId, r.origin.userAgent, r.origin.clientAddress);
    tx.exec_prepared0("insert_refresh", r.id, r.userId, r.familyId, h, toUnixMillis(r.expiresAt));
    commitWithEvents(tx, events, counts_);
  });
  if (!s) return s;
  if (stale) return fail(Code::kInvalidCredentials, "the password changed while the login was checked");
  return {};
}

Result<std::optional<tokens::RefreshRecord>> PgRefreshStore::findByHash(std::string_view tokenHash) {
  const std::string h(tokenHash);
  return pool_.run([&](pqxx::connection& c) -> std::optional<tokens::RefreshRecord> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared("refresh_by_hash", h);
    if (rows.empty()) return std::nullopt;
    return toRefresh(rows[0]);
  });
}

Result<tokens::RotateResult> PgRefreshStore::rotate(std::string_view tokenHash, SysTime now,
                                                    const tokens::Successor& next) {
  using tokens::RotateOutcome;
  const std::string h(tokenHash);
  std::optional<std::pair<std::string, int64_t>> revoked;  // family revoked by this call, and when
  auto r = pool_.run([&](pqxx::connection& c) -> tokens::RotateResult {
    revoked.reset();
    pqxx::work tx(c);
    const auto first = tx.exec_prepared("refresh_by_hash", h);
    if (first.empty()) return {};
    const std::string familyId = first[0][2].as<std::string>();
    // Every rotation and revocation of this family waits here for the one before it to commit, and the token's
    // state is read again afterwards (READ COMMITTED: each statement sees what committed before it began).
    const auto family = tx.exec_prepared("lock_family", familyId);
    if (family.empty() || family[0][0].as<bool>()) return {};
    const auto again = tx.exec_prepared("refresh_by_hash", h);
    if (again.empty()) return {};
    const tokens::RefreshRecord rec = toRefresh(again[0]);
    if (rec.revoked) return {};
    // Reuse is checked before expiry: a spent token showing up again means a copy leaked, and its successors may
    // still be alive, even if it expired.
    if (rec.used) {
      if (const auto at = revokeIn(tx, familyId)) revoked.emplace(familyId, *at);
      tx.commit();
      return {RotateOutcome::kReused, {}, familyId};
    }
    if (rec.expiresAt <= now) return {};
    if (tx.exec_prepared("mark_refresh_used", rec.id).affected_rows() != 1) return {};  // cannot happen under the lock
    tx.exec_prepared0("insert_refresh", next.id, rec.userId, familyId, next.tokenHash, toUnixMillis(next.expiresAt));
    tx.exec_prepared0("touch_family", familyId);
    tx.commit();
    return {RotateOutcome::kRotated, rec.userId, familyId};
  });
  if (r && revoked && onRevoked_) onRevoked_(revoked->first, revoked->second);
  return r;
}

Status PgRefreshStore::revokeFamily(std::string_view familyId) {
  if (!crypto::isUuid(familyId)) return {};
  const std::string f(familyId);
  std::optional<int64_t> at;
  auto s = pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    at = revokeIn(tx, f);
    tx.commit();
  });
  if (!s) return s;
  if (at && onRevoked_) onRevoked_(f, *at);
  return {};
}

}  // namespace authd::store::pg
