// Creating, listing and revoking a user's API keys. The key itself exists
// only in create()'s result; everything stored is its hash.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keys/api_key.hpp"
#include "keys/key_store.hpp"

namespace authd::keys {

// What the rest of authd must hear about key changes (caches, other instances).
class KeyEvents {
 public:
  virtual ~KeyEvents() = default;
  // A key was created: known at once everywhere, without waiting for a cache miss.
  virtual void created(std::string_view keyHash, const KeyRecord& record) = 0;
  // A key was revoked (or otherwise changed): every cache must forget it.
  virtual void changed(std::string_view keyHash) = 0;
};

struct CreatedKey {
  KeyRecord record;
  std::string key;  // shown once
};

class KeyService {
 public:
  // New keys are named by `keyPrefix` (a valid prefix: API_KEY_PREFIX, checked by the config).
  KeyService(KeyRepository& store, KeyEvents& events, std::string keyPrefix = std::string(kDefaultKeyPrefix))
      : store_(store), events_(events), keyPrefix_(std::move(keyPrefix)) {}
  // Generates, stores and announces a key for the user.
  Result<CreatedKey> create(std::string_view userId, const CreateKeyRequest& req);
  // The user's keys, newest first.
  Result<std::vector<KeyRecord>> list(std::string_view userId);
  // Revokes one of the user's keys: kInvalidId for a malformed id, kNotFound for an unknown
  // id or another user's key (indistinguishable on purpose).
  Status revoke(std::string_view userId, std::string_view keyId);

 private:
  KeyRepository& store_;
  KeyEvents& events_;
  std::string keyPrefix_;
};

}  // namespace authd::keys
