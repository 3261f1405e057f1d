// PostgreSQL implementations of the accounts' stores: users, refresh tokens
// and the access-token denylist.
#pragma once

#include <functional>

#include "accounts/user_store.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"
#include "tokens/refresh_tokens.hpp"

namespace authd::store::pg {

// Prepares every statement of sql.hpp on a new connection (PgPoolOptions::onConnect).
void prepareStatements(pqxx::connection& c);

class PgUserStore final : public accounts::UserStore, public accounts::UserStatusSource {
 public:
  // `counts` tallies the audit events it writes (user.signup), after they commit.
  PgUserStore(PgPool& pool, events::WrittenCounts& counts) : pool_(pool), counts_(counts) {}
  Result<accounts::User> create(std::string_view email, std::string_view name, std::string_view passwordHash,
                                const events::Origin& origin) override;
  Result<std::optional<accounts::User>> findByEmail(std::string_view email) override;
  Result<std::optional<accounts::User>> findById(std::string_view id) override;
  Result<bool> upgradePasswordHash(std::string_view id, std::string_view oldHash, std::string_view newHash) override;
  Result<std::optional<accounts::UserStatus>> userStatus(std::string_view userId) override;

 private:
  PgPool& pool_;
  events::WrittenCounts& counts_;
};

class PgRefreshStore final : public tokens::RefreshTokenStore {
 public:
  // Called after a family's revocation committed (logout or reuse detection), with the family id and the time of
  // its first revocation (unix seconds): the session's access tokens are denied from then on.
  using RevokedSink = std::function<void(const std::string& familyId, int64_t revokedAt)>;
  PgRefreshStore(PgPool& pool, events::WrittenCounts& counts, RevokedSink onRevoked)
      : pool_(pool), counts_(counts), onRevoked_(std::move(onRevoked)) {}
  Status insert(const tokens::RefreshRecord& r, std::string_view tokenHash, std::span<events::Event> events) override;
  Result<std::optional<tokens::RefreshRecord>> findByHash(std::string_view tokenHash) override;
  Result<tokens::RotateResult> rotate(std::string_view tokenHash, SysTime now, const tokens::Successor& next) override;
  Status revokeFamily(std::string_view familyId) override;

 private:
  PgPool& pool_;
  events::WrittenCounts& counts_;
  RevokedSink onRevoked_;
};

}  // namespace authd::store::pg
