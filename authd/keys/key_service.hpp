// Creating, reading, changing, rotating and revoking a user's API keys, and
// leak reports. The key itself exists only in create()'s and rotate()'s
// results; everything stored is its hash.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/windowed_counter.hpp"
#include "events/event.hpp"
#include "keys/api_key.hpp"
#include "keys/key_store.hpp"

namespace authd::keys {

// What the rest of authd must hear about key changes (caches, other instances).
class KeyEvents {
 public:
  virtual ~KeyEvents() = default;
  // A key was created: known at once everywhere, without waiting for a cache miss.
  virtual void created(std::string_view keyHash, const KeyRecord& record) = 0;
  // A key was changed (revoked, disabled, updated, rotated): every cache must forget it, and never
  // take back a copy older than `change.version`.
  virtual void changed(const ChangedKey& change) = 0;
};

struct CreatedKey {
  KeyRecord record;
  std::string key;  // shown once
};

// How many leak reports one client address may send per window.
struct LeakReportLimit {
  int64_t limit = 10;
  std::chrono::seconds window{60};
};

class KeyService {
 public:
  // New keys (created or rotated) are named by `keyPrefix` (a valid prefix: API_KEY_PREFIX, checked by the config).
  KeyService(KeyRepository& store, KeyEvents& events, WindowedCounter& counter, LeakReportLimit leakLimit = {},
             std::string keyPrefix = std::string(kDefaultKeyPrefix))
      : store_(store), events_(events), counter_(counter), leakLimit_(leakLimit), keyPrefix_(std::move(keyPrefix)) {}
  // Every change below records `ctx` (who, from where) in its audit events (see KeyRepository).
  // Generates, stores and announces a key for the user.
  Result<CreatedKey> create(std::string_view userId, const CreateKeyRequest& req, const events::Context& ctx);
  // The user's keys, newest first.
  Result<std::vector<KeyRecord>> list(std::string_view userId);
  // One of the user's keys. Like every call below that takes a key id: kInvalidId for a malformed
  // id, kNotFound for an unknown id or another user's key (indistinguishable on purpose).
  Result<KeyRecord> get(std::string_view userId, std::string_view keyId);
  // Changes the key as `patch` says and announces it; kConflict for a revoked or rotated key.
  Result<KeyRecord> update(std::string_view userId, std::string_view keyId, const KeyPatch& patch,
                           const events::Context& ctx);
  // Issues a successor with the key's settings; the key verifies for `grace` more (never past its
  // expiry). kConflict when the key was already rotated, or is revoked or expired.
  Result<CreatedKey> rotate(std::string_view userId, std::string_view keyId, std::chrono::seconds grace,
                            const events::Context& ctx);
  // Revokes one of the user's keys.
  Status revoke(std::string_view userId, std::string_view keyId, const events::Context& ctx);
  // A leak report: whoever holds `key` may report it, and a key that exists is disabled as leaked
  // at once. Succeeds whatever `key` is (no oracle); kTooManyRequests past the per-address limit
  // (origin.clientAddress's).
  Status reportLeak(std::string_view key, const events::Origin& origin);

 private:
  KeyRepository& store_;
  KeyEvents& events_;
  WindowedCounter& counter_;
  LeakReportLimit leakLimit_;
  std::string keyPrefix_;
};

}  // namespace authd::keys
