#include "store/pg/pg_account_stores.hpp"

#include "core/crypto.hpp"
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

Result<accounts::User> PgUserStore::create(std::string_view email, std::string_view name,
                                           std::string_view passwordHash) {
  const std::string e(email), n(name), h(passwordHash);
  return pool_.run([&](pqxx::connection& c) -> Result<accounts::User> {
    try {
      pqxx::work tx(c);
      const auto row = tx.exec_prepared1("insert_user", e, n, h);
      tx.commit();
      return toUser(row);
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

Status PgRefreshStore::insert(const tokens::RefreshRecord& r, std::string_view tokenHash) {
  const std::string h(tokenHash);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_prepared0("insert_refresh", r.id, r.userId, r.familyId, h, toUnixMillis(r.expiresAt));
    tx.commit();
  });
}

Result<std::optional<tokens::RefreshRecord>> PgRefreshStore::findByHash(std::string_view tokenHash) {
  const std::string h(tokenHash);
  return pool_.run([&](pqxx::connection& c) -> std::optional<tokens::RefreshRecord> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared("refresh_by_hash", h);
    if (rows.empty()) return std::nullopt;
    const auto& row = rows[0];
    tokens::RefreshRecord rec;
    rec.id = row[0].as<std::string>();
    rec.userId = row[1].as<std::string>();
    rec.familyId = row[2].as<std::string>();
    rec.expiresAt = fromUnixMillis(row[3].as<int64_t>());
    rec.used = row[4].as<bool>();
    rec.revoked = row[5].as<bool>();
    return rec;
  });
}

Result<bool> PgRefreshStore::markUsed(std::string_view id) {
  const std::string i(id);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto r = tx.exec_prepared("mark_refresh_used", i);
    tx.commit();
    return r.affected_rows() == 1;
  });
}

Status PgRefreshStore::revokeFamily(std::string_view familyId) {
  const std::string f(familyId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_prepared0("revoke_family", f);
    tx.commit();
  });
}

}  // namespace authd::store::pg
