// Opaque refresh tokens, rotated on every use. Tokens of one login form a
// family; presenting a token that was already spent means one copy was
// stolen, so the whole family is revoked (reuse detection). Only SHA-256
// hashes of tokens are stored.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::tokens {

// One stored refresh token, without the token itself.
struct RefreshRecord {
  std::string id;
  std::string userId;
  std::string familyId;
  SysTime expiresAt;
  bool used = false;
  bool revoked = false;
  events::Origin origin;  // where its session started (stored with a new family only; not read back)
  // A login's or signup's: the password hash the password was checked against. The new family is stored only while
  // it is still the user's and the user is active, so a login that checked the old password while a change or
  // reset committed gets no session (kInvalidCredentials). Empty: no check.
  std::string passwordHash;
};

// What a rotation found: the token was spent and its successor stored, or it had been spent before (its family is now
// revoked), or it cannot be used (unknown, expired, revoked, or its family revoked).
enum class RotateOutcome { kRotated, kReused, kInvalid };

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kInvalid;
  std::string userId;    // kRotated: the token's owner
  std::string familyId;  // kRotated, kReused: the token's family
};

// The successor a rotation stores; it inherits the user and family of the token it replaces.
struct Successor {
  std::string id;
  std::string tokenHash;
  SysTime expiresAt;
};

// Storage of refresh tokens by hash (the PostgreSQL implementation lives elsewhere; tests use a fake).
// Every token belongs to a family (a session); the family carries the revocation.
class RefreshTokenStore {
 public:
  virtual ~RefreshTokenStore() = default;
  // Stores a new token row (tokenHash = 64 hex SHA-256), creating its family if it is new, and writes `events`
  // (a login's) in the same transaction.
  virtual Status insert(const RefreshRecord& r, std::string_view tokenHash, std::span<events::Event> events) = 0;
  // Finds the row for a hash; nullopt when unknown.
  virtual Result<std::optional<RefreshRecord>> findByHash(std::string_view tokenHash) = 0;
  // Atomically, per family: if the token is unused, unexpired at `now` and neither it nor its family is revoked,
  // marks it used and stores `next` in its family (kRotated). If it was used before, revokes the family (kReused):
  // from then on no token of the family, stored before or after, rotates. Otherwise kInvalid.
  virtual Result<RotateResult> rotate(std::string_view tokenHash, SysTime now, const Successor& next) = 0;
  // Revokes the family: no token of it rotates again, whenever it was stored.
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
  // Issues a token in a new family (familyId empty) or in the given family; `events` are written with it. A new
  // family records `origin` (the login's User-Agent and client address: GET /auth/sessions) and is stored only while
  // `passwordHash` (when given) is still the user's (RefreshRecord::passwordHash).
  Result<IssuedRefresh> issue(std::string_view userId, std::string_view familyId = {},
                              std::span<events::Event> events = {}, const events::Origin& origin = {},
                              std::string_view passwordHash = {});
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
