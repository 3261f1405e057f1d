// Opaque refresh tokens, rotated on every use. Tokens of one login form a
// family; presenting a token that was already spent means one copy was
// stolen, so the whole family is revoked (reuse detection). Only SHA-256
// hashes of tokens are stored.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace authd::tokens {

// One stored refresh token, without the token itself.
struct RefreshRecord {
  std::string id;
  std::string userId;
  std::string familyId;
  SysTime expiresAt;
  bool used = false;
  bool revoked = false;
};

// Storage of refresh tokens by hash (the PostgreSQL implementation lives elsewhere; tests use a fake).
class RefreshTokenStore {
 public:
  virtual ~RefreshTokenStore() = default;
  // Stores a new token row (tokenHash = 64 hex SHA-256).
  virtual Status insert(const RefreshRecord& r, std::string_view tokenHash) = 0;
  // Finds the row for a hash; nullopt when unknown.
  virtual Result<std::optional<RefreshRecord>> findByHash(std::string_view tokenHash) = 0;
  // Marks the row used if and only if it was unused and not revoked; false when someone already did
  // (atomic compare-and-set).
  virtual Result<bool> markUsed(std::string_view id) = 0;
  // Revokes every token of the family.
  virtual Status revokeFamily(std::string_view familyId) = 0;
};

// A freshly issued token, shown to the client once.
struct IssuedRefresh {
  std::string token;
  std::string familyId;
};

// The outcome of a successful rotation: whose token it was and its successor.
struct Rotated {
  std::string userId;
  IssuedRefresh next;
};

class RefreshTokens {
 public:
  RefreshTokens(RefreshTokenStore& store, const Clock& clock, std::chrono::seconds ttl);
  // Issues a token in a new family (familyId empty) or in the given family.
  Result<IssuedRefresh> issue(std::string_view userId, std::string_view familyId = {});
  // Spends `token` and issues its successor in the same family. A token that was already used revokes its whole
  // family. Unknown, expired, revoked, malformed, reused → kInvalidRefreshToken. Store errors (e.g.
  // kDatabaseUnavailable) pass through unchanged.
  Result<Rotated> rotate(std::string_view token);
  // Revokes the family of `token` (logout); unknown tokens, and tokens of another user than
  // `ownerId` (when given), are ignored (Status ok).
  Status revokeFamilyOf(std::string_view token, std::string_view ownerId = {});
  // Revokes a whole family by id (logout of the session an access token names).
  Status revokeFamily(std::string_view familyId);
  // SHA-256 hex of a token as stored.
  static std::string hashToken(std::string_view token);

 private:
  RefreshTokenStore& store_;
  const Clock& clock_;
  std::chrono::seconds ttl_;
};

}  // namespace authd::tokens
