// PostgreSQL's accounts::SessionStore: sessions are refresh_families rows
// (sql/003, sql/008), resets are password_resets rows. Each revoked session is
// told to `onRevoked` after its transaction committed, which publishes it on the
// invalidation bus (the same sink as PgRefreshStore's).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "accounts/session_store.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgSessionStore final : public accounts::SessionStore {
 public:
  PgSessionStore(PgPool& pool, events::WrittenCounts& counts, PgRefreshStore::RevokedSink onRevoked)
      : pool_(pool), counts_(counts), onRevoked_(std::move(onRevoked)) {}
  Result<std::vector<accounts::SessionInfo>> liveSessions(std::string_view userId) override;
  Result<std::vector<std::string>> revokeSessions(std::string_view userId, const accounts::SessionSelector& which,
                                                  const events::Context& ctx, std::string_view reason) override;
  Status changePassword(std::string_view userId, std::string_view passwordHash, std::string_view keepSid,
                        const events::Context& ctx, std::string_view via) override;
  Status requestReset(const accounts::ResetRequestRow& row) override;
  Result<std::optional<std::string>> confirmReset(std::string_view tokenHash, std::string_view passwordHash,
                                                  const events::Origin& origin) override;

 private:
  // Tells the bus of sessions whose revocation committed (their access tokens are denied everywhere).
  void published(const std::vector<std::pair<std::string, int64_t>>& revoked) const;

  PgPool& pool_;
  events::WrittenCounts& counts_;
  PgRefreshStore::RevokedSink onRevoked_;
};

}  // namespace authd::store::pg
