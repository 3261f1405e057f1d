#include "store/pg/pg_sessions.hpp"

#include "accounts/account_audit.hpp"
#include "core/crypto.hpp"
#include "store/pg/pg_outbox.hpp"

namespace authd::store::pg {
namespace {

using Revoked = std::vector<std::pair<std::string, int64_t>>;  // session id, revocation time (unix s)

// Revokes the sessions `only` (or all but `keep`) of `userId` in `tx`, with their tokens (one statement for all of
// them), and adds one session.revoked each to `events`.
Revoked revokeIn(pqxx::work& tx, const std::string& userId, const std::string& only, const std::string& keep,
                 const events::Context& ctx, std::string_view reason, std::vector<events::Event>& events) {
  Revoked out;
  std::string ids = "{";
  for (const auto& row : tx.exec_prepared("revoke_user_sessions", userId, only, keep)) {
    out.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
    if (ids.size() > 1) ids += ',';
    ids += out.back().first;
    events.push_back(accounts::audit::sessionRevoked(ctx, userId, out.back().first, reason));
  }
  if (!out.empty()) tx.exec_prepared0("revoke_families_tokens", ids + "}");
  return out;
}

// A password change in `tx`: the new hash first (a login holding the user row FOR SHARE finishes before it, and
// its session is then among those revoked), every outstanding reset spent, every session but `keep` revoked, and
// user.password_changed; committed with the events.
Revoked changePasswordIn(pqxx::work& tx, const std::string& userId, const std::string& hash, const std::string& keep,
                         const events::Context& ctx, std::string_view via, events::WrittenCounts& counts) {
  tx.exec_prepared0("set_password_hash", userId, hash);
  tx.exec_prepared0("spend_user_resets", userId);
  std::vector<events::Event> events;
  Revoked revoked = revokeIn(tx, userId, "", keep, ctx, via == "reset" ? "password_reset" : "password_changed", events);
  events.push_back(accounts::audit::passwordChanged(ctx, userId, via));
  commitWithEvents(tx, events, counts);
  return revoked;
}

// A sid that is not a UUID names no session (and must not reach a ::uuid cast).
std::string uuidOrEmpty(std::string_view s) { return crypto::isUuid(s) ? std::string(s) : std::string(); }

}  // namespace

Result<std::vector<accounts::SessionInfo>> PgSessionStore::liveSessions(std::string_view userId) {
  if (!crypto::isUuid(userId)) return std::vector<accounts::SessionInfo>{};
  const std::string u(userId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<accounts::SessionInfo> out;
    for (const auto& r : tx.exec_prepared("live_sessions", u)) {
      out.push_back({r[0].as<std::string>(), fromUnixMillis(r[1].as<int64_t>()), fromUnixMillis(r[2].as<int64_t>()),
                     r[3].as<std::string>(), r[4].as<std::string>()});
    }
    return out;
  });
}

Result<std::vector<std::string>> PgSessionStore::revokeSessions(std::string_view userId,
                                                                const accounts::SessionSelector& which,
                                                                const events::Context& ctx, std::string_view reason) {
  if (!crypto::isUuid(userId)) return std::vector<std::string>{};
  if (!which.only.empty() && !crypto::isUuid(which.only)) return std::vector<std::string>{};
  const std::string u(userId), only(which.only), keep = uuidOrEmpty(which.keep);
  Revoked revoked;
  auto s = pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<events::Event> events;
    revoked = revokeIn(tx, u, only, keep, ctx, reason, events);
    commitWithEvents(tx, events, counts_);
  });
  if (!s) return fail(std::move(s.error()));
  published(revoked);
  std::vector<std::string> ids;
  for (const auto& [id, at] : revoked) ids.push_back(id);
  return ids;
}

Status PgSessionStore::changePassword(std::string_view userId, std::string_view passwordHash, std::string_view keepSid,
                                      const events::Context& ctx, std::string_view via) {
  if (!crypto::isUuid(userId)) return fail(Code::kInvalidToken);
  const std::string u(userId), h(passwordHash), keep = uuidOrEmpty(keepSid);
  Revoked revoked;
  auto s = pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    revoked = changePasswordIn(tx, u, h, keep, ctx, via, counts_);
  });
  if (!s) return s;
  published(revoked);
  return {};
}

Status PgSessionStore::requestReset(const accounts::ResetRequestRow& row) {
  const auto& e = row.event;
  return pool_.run([&](pqxx::connection& c) {
    // One statement, found or not, committed without waiting for the WAL flush either way: a commit that wrote
    // rows would otherwise wait for the disk and one that wrote none would not, which a client could time.
    pqxx::work tx(c);
    tx.exec0("SET LOCAL synchronous_commit = off");
    const auto r =
        tx.exec_prepared1("request_reset", row.normalizedEmail, row.resetId, row.tokenHash, toUnixMillis(row.expiresAt),
                          e.type, std::string(events::actorKindName(e.actor.kind)), e.targetType,
                          e.origin.clientAddress, e.origin.userAgent, e.data);
    tx.commit();
    if (r[0].as<int64_t>() > 0) counts_.add(e.type);
  });
}

Result<std::optional<std::string>> PgSessionStore::confirmReset(std::string_view tokenHash,
                                                                std::string_view passwordHash,
                                                                const events::Origin& origin) {
  const std::string t(tokenHash), h(passwordHash);
  Revoked revoked;
  auto r = pool_.run([&](pqxx::connection& c) -> std::optional<std::string> {
    revoked.clear();
    pqxx::work tx(c);
    const auto spent = tx.exec_prepared("spend_reset", t);
    if (spent.empty()) return std::nullopt;
    const std::string u = spent[0][0].as<std::string>();
    revoked = changePasswordIn(tx, u, h, "", events::Context::user(u, origin), "reset", counts_);
    return u;
  });
  if (r && *r) published(revoked);
  return r;
}

void PgSessionStore::published(const std::vector<std::pair<std::string, int64_t>>& revoked) const {
  if (!onRevoked_) return;
  for (const auto& [id, at] : revoked) onRevoked_(id, at);
}

}  // namespace authd::store::pg
