// API keys as stored (never the key itself: its SHA-256 and display prefix),
// and the interfaces of where they are kept.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"
#include "keys/credits.hpp"
#include "keys/key_request.hpp"

namespace authd::keys {

struct KeyRecord {
  std::string id;
  std::string userId;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  std::optional<RateLimit> rateLimit;            // nullopt: the server default
  bool isActive = true;                          // false once revoked (final)
  bool enabled = true;                           // false while disabled (reversible)
  std::optional<DisabledReason> disabledReason;  // set exactly when !enabled
  std::optional<std::string> metadata;           // a JSON object's text, as stored
  std::optional<std::string> rotatedFrom;        // the key this one replaced
  std::optional<SysTime> rotatedAt;              // set once a successor was issued
  std::optional<SysTime> expiresAt;              // for a rotated key: the end of its grace period
  std::optional<SysTime> lastUsedAt;
  SysTime createdAt;
  int64_t version = 0;  // the row's updated_at in µs: which of two copies is newer
  // Credits: nullopt = unlimited. `credits->remaining` is as last flushed from Redis, for the refill
  // period starting at creditsPeriod (unix s; 0 without refill); creditsVersion is the grant's time in µs.
  std::optional<Credits> credits;
  int64_t creditsVersion = 0;
  int64_t creditsPeriod = 0;
};

// A key and its hash, as a change to it must be announced (caches are keyed by hash).
struct StoredKey {
  KeyRecord record;
  std::string hash;
};

// Which key changed, as caches know it: its hash and the row version the change wrote.
struct ChangedKey {
  std::string hash;
  int64_t version = 0;
};

// The successor a rotation issued, and the predecessor as changed (its new expiry).
struct RotatedKey {
  KeyRecord successor;
  ChangedKey predecessor;
  SysTime predecessorExpiresAt;
};

// One coalesced use of a key: its id and the latest time it was used.
struct KeyUse {
  std::string keyId;
  int64_t usedAtMs;
};

// A key's live credit balance as Redis holds it (authd:cr:<keyId>), on its way back to PostgreSQL.
struct CreditBalance {
  std::string keyId;
  int64_t version = 0;    // the grant it belongs to (KeyRecord::creditsVersion)
  int64_t remaining = 0;  // what is left of it
  int64_t period = 0;     // the refill period `remaining` belongs to (unix s; 0 without refill)
};

// The interfaces below are small on purpose: each caller sees only what it uses, and
// PostgreSQL (store/pg/pg_key_store) implements them all.

// Managing a user's keys (the /keys routes, through keys::KeyService). Every change writes its audit events
// (keys/key_audit.hpp) in its own transaction, with `ctx` as the actor and origin: both or neither.
class KeyRepository {
 public:
  virtual ~KeyRepository() = default;
  // Stores a new key by hash for the user (key.created).
  virtual Result<KeyRecord> create(std::string_view userId, const CreateKeyRequest& req, std::string_view keyHash,
                                   std::string_view prefix, const events::Context& ctx) = 0;
  // The user's keys, newest first (revoked ones included, isActive=false).
  virtual Result<std::vector<KeyRecord>> listByUser(std::string_view userId) = 0;
  // Revokes the user's key; the key as changed when it was the user's (so caches can be told), nullopt
  // when there is no such key of this user. Revoking twice succeeds (key.revoked only the first time).
  virtual Result<std::optional<ChangedKey>> revoke(std::string_view userId, std::string_view keyId,
                                                   const events::Context& ctx) = 0;
  // One of the user's keys; nullopt when there is no such key of this user.
  virtual Result<std::optional<KeyRecord>> get(std::string_view userId, std::string_view keyId) = 0;
  // Applies `patch` to the user's key: nullopt when there is no such key of this user, kConflict
  // when it is revoked or was rotated (key.updated, key.enabled, key.disabled: see audit::updated).
  virtual Result<std::optional<StoredKey>> update(std::string_view userId, std::string_view keyId,
                                                  const KeyPatch& patch, const events::Context& ctx) = 0;
  // Issues a successor (stored by `keyHash`, shown as `prefix`) with the key's settings and ends the
  // key's life `grace` from now (never later than its own expiry), atomically: of two concurrent
  // rotations one succeeds, the other gets kConflict, as does rotating a revoked, expired or already
  // rotated key. nullopt when there is no such key of this user (key.rotated, on the old key).
  virtual Result<std::optional<RotatedKey>> rotate(std::string_view userId, std::string_view keyId,
                                                   std::chrono::seconds grace, std::string_view keyHash,
                                                   std::string_view prefix, const events::Context& ctx) = 0;
  // Disables the key with this hash as leaked (a revoked key stays as it is); the key when it exists
  // (key.leaked by the key itself, from `origin`, when this changed it).
  virtual Result<std::optional<StoredKey>> disableLeaked(std::string_view keyHash, const events::Origin& origin) = 0;
};

// Finding a key by what a request presents (the /verify path on a cache miss).
class KeyLookup {
 public:
  virtual ~KeyLookup() = default;
  // The key with this hash, if any.
  virtual Result<std::optional<KeyRecord>> findByHash(std::string_view keyHash) = 0;
};

// Where coalesced key uses end up (lastUsedAt).
class LastUsedSink {
 public:
  virtual ~LastUsedSink() = default;
  // Records uses: last_used_at = greatest(last_used_at, usedAt) for every key, in one statement.
  virtual Status touchLastUsed(const std::vector<KeyUse>& uses) = 0;
};

// Where live credit balances end up (the flush-back from Redis).
class CreditSink {
 public:
  virtual ~CreditSink() = default;
  // Stores each balance on its key only while the key still has that grant (a newer one is never overwritten),
  // in one statement; returns how many keys changed. A balance that reaches 0 (from more, or in a new refill
  // period) writes key.credits_exhausted in the same transaction.
  virtual Result<size_t> saveCredits(const std::vector<CreditBalance>& balances) = 0;
};

}  // namespace authd::keys
