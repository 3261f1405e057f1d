// Logout's token denial: written to PostgreSQL (the source of truth), then
// published on the invalidation bus so every instance denies it at once.
#pragma once

#include "accounts/account_service.hpp"
#include "store/invalidation_bus.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgAccessTokenRevoker final : public accounts::AccessTokenRevoker {
 public:
  PgAccessTokenRevoker(PgPool& pool, InvalidationBus& bus) : pool_(pool), bus_(bus) {}
  Status revoke(std::string_view jti, std::string_view userId, int64_t expiresAt) override;

 private:
  PgPool& pool_;
  InvalidationBus& bus_;
};

}  // namespace authd::store::pg
