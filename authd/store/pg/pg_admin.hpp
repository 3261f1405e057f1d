// What `authd admin` reads and changes of users, on the same database as the
// service (SPEC.md "Identity", operator CLI). Each change writes its audit event
// (actor: the operator) in its own transaction; only a change is recorded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/user_store.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

// A user as the operator sees it (never the password hash: only its scheme).
struct AdminUser {
  std::string id;
  std::string email;
  std::string name;
  bool isActive = true;
  SysTime createdAt;
  std::optional<accounts::UserRateOverride> rateLimit;  // nullopt: the server's USER_RATE_LIMIT
  std::string passwordScheme;                           // "argon2id", "bcrypt" or "other"
  int64_t liveKeys = 0;                                 // keys not revoked
};

// A key of the original NestJS service that `authd import-nestjs` listed for re-issue: it never authenticates here.
struct KeyToReissue {
  std::string id;  // its id in the original service
  std::string name;
  bool wasActive = true;
  std::optional<SysTime> expiresAt;
  std::optional<SysTime> lastUsedAt;
};

class PgUserAdmin {
 public:
  PgUserAdmin(PgPool& pool, events::WrittenCounts& counts) : pool_(pool), counts_(counts) {}
  // Users ordered by email (case-insensitive), after `afterEmail` (lower-cased; "" for the first page), at most
  // `limit`.
  Result<std::vector<AdminUser>> list(std::string_view afterEmail, int limit);
  // The user with this email (accounts::normalizeEmail's form) or, when `emailOrId` is a UUID, this id.
  Result<std::optional<AdminUser>> find(std::string_view emailOrId);
  // Activates or deactivates the user; false when it already was so (nothing written). user.activated /
  // user.deactivated by the operator.
  Result<bool> setActive(std::string_view userId, bool active, const events::Context& ctx);
  // Sets the operator's limit for the user (nullopt: back to the server's); false when it already was so.
  // user.rate_limit_changed by the operator.
  Result<bool> setRateLimit(std::string_view userId, const std::optional<accounts::UserRateOverride>& limit,
                            const events::Context& ctx);
  // The user's keys from the original NestJS service, to re-issue (empty for a user who did not come from it).
  Result<std::vector<KeyToReissue>> keysToReissue(std::string_view userId);
  // The id of the user who owns this key, if the key exists (any user's); nullopt for a malformed id too.
  Result<std::optional<std::string>> keyOwner(std::string_view keyId);

 private:
  PgPool& pool_;
  events::WrittenCounts& counts_;
};

}  // namespace authd::store::pg
