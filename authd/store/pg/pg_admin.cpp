#include "store/pg/pg_admin.hpp"

#include "accounts/account_audit.hpp"
#include "core/crypto.hpp"
#include "store/pg/pg_outbox.hpp"

namespace authd::store::pg {
namespace {

AdminUser toAdminUser(const pqxx::row& r) {
  AdminUser u;
  u.id = r[0].as<std::string>();
  u.email = r[1].as<std::string>();
  u.name = r[2].as<std::string>();
  u.isActive = r[3].as<bool>();
  u.createdAt = fromUnixMillis(r[4].as<int64_t>());
  const auto limit = r[5].as<int64_t>(), window = r[6].as<int64_t>();
  if (limit >= 0 && window > 0) u.rateLimit = accounts::UserRateOverride{limit, window};
  u.passwordScheme = r[7].as<std::string>();
  u.liveKeys = r[8].as<int64_t>();
  return u;
}

// Runs `statement` (one row of the user's id when it changed something) and, when it did, commits it with `event`.
template <typename... Args>
Result<bool> changeUser(PgPool& pool, events::WrittenCounts& counts, const char* statement, events::Event event,
                        const Args&... args) {
  return pool.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (tx.exec_prepared(statement, args...).empty()) return false;
    commitWithEvents(tx, std::span(&event, 1), counts);
    return true;
  });
}

}  // namespace

Result<std::vector<AdminUser>> PgUserAdmin::list(std::string_view afterEmail, int limit) {
  const std::string after(afterEmail);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<AdminUser> out;
    for (const auto& row : tx.exec_prepared("admin_users", after, limit)) out.push_back(toAdminUser(row));
    return out;
  });
}

Result<std::optional<AdminUser>> PgUserAdmin::find(std::string_view emailOrId) {
  const bool byId = crypto::isUuid(emailOrId);
  const std::string arg(emailOrId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<AdminUser> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared(byId ? "admin_user_by_id" : "admin_user_by_email", arg);
    if (rows.empty()) return std::nullopt;
    return toAdminUser(rows[0]);
  });
}

Result<bool> PgUserAdmin::setActive(std::string_view userId, bool active, const events::Context& ctx) {
  const std::string u(userId);
  return changeUser(pool_, counts_, "admin_set_active", accounts::audit::activeChanged(ctx, u, active), u, active);
}

Result<bool> PgUserAdmin::setRateLimit(std::string_view userId, const std::optional<accounts::UserRateOverride>& limit,
                                       const events::Context& ctx) {
  const std::string u(userId);
  const int64_t count = limit ? limit->limit : -1, window = limit ? limit->windowSeconds : -1;
  return changeUser(pool_, counts_, "admin_set_user_limit", accounts::audit::rateLimitChanged(ctx, u, limit), u, count,
                    window);
}

Result<std::vector<KeyToReissue>> PgUserAdmin::keysToReissue(std::string_view userId) {
  const std::string u(userId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<KeyToReissue> out;
    const auto time = [](int64_t ms) { return ms < 0 ? std::nullopt : std::optional<SysTime>(fromUnixMillis(ms)); };
    for (const auto& r : tx.exec_prepared("admin_keys_to_reissue", u)) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>(), time(r[3].as<int64_t>()),
                     time(r[4].as<int64_t>())});
    }
    return out;
  });
}

Result<std::optional<std::string>> PgUserAdmin::keyOwner(std::string_view keyId) {
  if (!crypto::isUuid(keyId)) return std::nullopt;
  const std::string k(keyId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared("admin_key_owner", k);
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  });
}

}  // namespace authd::store::pg
