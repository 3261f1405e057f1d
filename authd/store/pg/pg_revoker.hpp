// Logout's token denial: written to PostgreSQL (the source of truth), then
// published on the invalidation bus so every instance denies it at once. Also
// the store side of the denylist's pruning (tokens::DenialStore).
#pragma once

#include <chrono>
#include <cstdint>

#include "accounts/account_service.hpp"
#include "core/changes.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"
#include "tokens/denylist.hpp"

namespace authd::store::pg {

// The latest expiry a denial is stored with: 9999-12-31T23:59:59Z, which PostgreSQL's timestamptz holds and whose
// milliseconds fit in int64. A later (or absurd) `exp` is denied until then, i.e. for good.
inline constexpr int64_t kMaxDenialSeconds = 253'402'300'799;
// `expiresAt` (unix seconds) clamped to [0, kMaxDenialSeconds], in milliseconds: never overflows.
int64_t denialMillis(int64_t expiresAt);

class PgAccessTokenRevoker final : public accounts::AccessTokenRevoker, public tokens::DenialStore {
 public:
  // `accessLifetime` (JWT_EXPIRES_IN): a session quiet for longer (plus a margin) has no live access token left.
  // `counts` tallies the audit events it writes (user.logout), after they commit.
  PgAccessTokenRevoker(PgPool& pool, ChangePublisher& bus, std::chrono::seconds accessLifetime,
                       events::WrittenCounts& counts)
      : pool_(pool), bus_(bus), accessLifetime_(accessLifetime), counts_(counts) {}
  Status revoke(std::string_view jti, std::string_view userId, int64_t expiresAt, events::Event& event) override;
  // Deletes, in batches, revoked_access_tokens rows past expires_at and sessions (refresh_families, with their
  // tokens) that can neither refresh nor hold a live access token, and password resets a day past their expiry.
  Result<size_t> pruneExpired() override;

 private:
  PgPool& pool_;
  ChangePublisher& bus_;
  std::chrono::seconds accessLifetime_;
  events::WrittenCounts& counts_;
};

}  // namespace authd::store::pg
