// Every SQL statement authd runs, as named constants; all are parameterised
// and prepared once per connection (see preparedStatements()).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace authd::store::pg::sql {

// Timestamps travel as integer milliseconds since the epoch.
#define AUTHD_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

inline constexpr const char* kInsertUser =
    "INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) "
    "RETURNING id::text, email, name, password_hash, is_active, " AUTHD_MS("created_at");
inline constexpr const char* kUserByEmail =
    "SELECT id::text, email, name, password_hash, is_active, " AUTHD_MS("created_at")
    " FROM users WHERE lower(email) = lower($1)";
inline constexpr const char* kUserById =
    "SELECT id::text, email, name, password_hash, is_active, " AUTHD_MS("created_at")
    " FROM users WHERE id = $1::uuid";

inline constexpr const char* kInsertRefresh =
    "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) "
    "VALUES ($1::uuid, $2::uuid, $3::uuid, $4, to_timestamp($5::double precision / 1000))";
inline constexpr const char* kRefreshByHash =
    "SELECT id::text, user_id::text, family_id::text, " AUTHD_MS("expires_at")
    ", used_at IS NOT NULL, revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = $1";
inline constexpr const char* kMarkRefreshUsed =
    "UPDATE refresh_tokens SET used_at = now() WHERE id = $1::uuid AND used_at IS NULL AND revoked_at IS NULL";
inline constexpr const char* kRevokeFamily =
    "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1::uuid AND revoked_at IS NULL";

inline constexpr const char* kRevokeAccessToken =
    "INSERT INTO revoked_access_tokens (jti, user_id, expires_at) "
    "VALUES ($1::uuid, $2::uuid, to_timestamp($3::double precision / 1000)) ON CONFLICT (jti) DO NOTHING";

#undef AUTHD_MS

// (name, statement) pairs prepared on every new connection.
inline const std::vector<std::pair<const char*, const char*>>& preparedStatements() {
  static const std::vector<std::pair<const char*, const char*>> kAll{
      {"insert_user", kInsertUser},
      {"user_by_email", kUserByEmail},
      {"user_by_id", kUserById},
      {"insert_refresh", kInsertRefresh},
      {"refresh_by_hash", kRefreshByHash},
      {"mark_refresh_used", kMarkRefreshUsed},
      {"revoke_family", kRevokeFamily},
      {"revoke_access_token", kRevokeAccessToken},
  };
  return kAll;
}

}  // namespace authd::store::pg::sql
