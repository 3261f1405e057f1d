#include "store/pg/pg_revoker.hpp"

#include "core/crypto.hpp"

namespace authd::store::pg {

Status PgAccessTokenRevoker::revoke(std::string_view jti, std::string_view userId, int64_t expiresAt) {
  // Tokens are ours (signature checked), so these are UUIDs; anything else is a bug upstream.
  if (!crypto::isUuid(jti) || !crypto::isUuid(userId)) return fail(Code::kInvalidToken);
  const std::string j(jti), u(userId);
  auto s = pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_prepared0("revoke_access_token", j, u, expiresAt * 1000);
    tx.commit();
  });
  if (!s) return s;
  bus_.publish(Change{ChangeKind::kAccessTokenRevoked, j, expiresAt});
  return {};
}

}  // namespace authd::store::pg
