#include "store/pg/pg_revoker.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "store/pg/pg_outbox.hpp"

namespace authd::store::pg {
namespace {

// Rows per DELETE, so one prune never holds locks on a huge set.
constexpr int kPruneBatch = 5000;
// Batches per prune; what is left waits for the next interval.
constexpr int kMaxBatches = 20;

}  // namespace

int64_t denialMillis(int64_t expiresAt) { return std::clamp<int64_t>(expiresAt, 0, kMaxDenialSeconds) * 1000; }

Status PgAccessTokenRevoker::revoke(std::string_view jti, std::string_view userId, int64_t expiresAt,
                                    events::Event& event) {
  // Tokens are ours (signature checked), so these are UUIDs; anything else is a bug upstream.
  if (!crypto::isUuid(jti) || !crypto::isUuid(userId)) return fail(Code::kInvalidToken);
  const std::string j(jti), u(userId);
  const int64_t ms = denialMillis(expiresAt);
  auto s = pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_prepared0("revoke_access_token", j, u, ms);
    commitWithEvents(tx, std::span(&event, 1), counts_);
  });
  if (!s) return s;
  bus_.publish(Change{ChangeKind::kAccessTokenRevoked, j, ms / 1000});
  return {};
}

Result<size_t> PgAccessTokenRevoker::pruneExpired() {
  const double quietFor = static_cast<double>((accessLifetime_ + tokens::kSessionDenialMargin).count());
  size_t total = 0;
  // Password resets a day past their expiry go on the same schedule (issue 17).
  for (const char* statement : {"prune_revoked_access_tokens", "prune_families", "prune_password_resets"}) {
    auto deleted = deleteInBatches(pool_, kPruneBatch, kMaxBatches, [&](pqxx::work& tx) {
      const auto r = statement == std::string_view("prune_families")
                         ? tx.exec_prepared(statement, quietFor, kPruneBatch)
                         : tx.exec_prepared(statement, kPruneBatch);
      return static_cast<size_t>(r.affected_rows());
    });
    if (!deleted) return fail(std::move(deleted.error()));
    total += *deleted;
  }
  return total;
}

}  // namespace authd::store::pg
