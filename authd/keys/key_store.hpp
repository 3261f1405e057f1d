// API keys as stored (never the key itself: its SHA-256 and display prefix),
// and the interfaces of where they are kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "keys/key_request.hpp"

namespace authd::keys {

struct KeyRecord {
  std::string id;
  std::string userId;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  std::optional<RateLimit> rateLimit;  // nullopt: the server default
  bool isActive = true;                // false once revoked
  std::optional<SysTime> expiresAt;
  std::optional<SysTime> lastUsedAt;
  SysTime createdAt;
};

// One coalesced use of a key: its id and the latest time it was used.
struct KeyUse {
  std::string keyId;
  int64_t usedAtMs;
};

// The interfaces below are small on purpose: each caller sees only what it uses, and
// PostgreSQL (store/pg/pg_key_store) implements them all.

// Managing a user's keys (the /keys routes, through keys::KeyService).
class KeyRepository {
 public:
  virtual ~KeyRepository() = default;
  // Stores a new key by hash for the user.
  virtual Result<KeyRecord> create(std::string_view userId, const CreateKeyRequest& req, std::string_view keyHash,
                                   std::string_view prefix) = 0;
  // The user's keys, newest first (revoked ones included, isActive=false).
  virtual Result<std::vector<KeyRecord>> listByUser(std::string_view userId) = 0;
  // Revokes the user's key; the key's hash when it was the user's (so caches can be told), nullopt
  // when there is no such key of this user. Revoking twice succeeds.
  virtual Result<std::optional<std::string>> revoke(std::string_view userId, std::string_view keyId) = 0;
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

}  // namespace authd::keys
