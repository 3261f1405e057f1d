// A change that every authd instance must apply to its in-process state
// within a second: a logged-out token or session, a changed user, a changed key.
#pragma once

#include <cstdint>
#include <string>

namespace authd {

enum class ChangeKind {
  kAccessTokenRevoked,  // id = jti; expiresAt = the token's exp (unix seconds)
  kSessionRevoked,      // id = sid (refresh family); expiresAt = when its last access token has expired (unix seconds)
  kUserChanged,         // id = user id (deactivated, reactivated, deleted)
  kKeyChanged,          // id = key hash (revoked, disabled, rotated, updated); version = its row version
  kKeyCreated,          // id = key hash of a new key (other instances' key filters learn it)
  kBulkReload,          // too many changes to list (bulk SQL): drop every cache and reload
};

struct Change {
  ChangeKind kind;
  std::string id;
  int64_t expiresAt = 0;
  // Heard over pub/sub from the instance that made it: that instance (or the PostgreSQL
  // poll) updates shared state such as Redis; listeners here only update their own memory.
  bool remote = false;
  // kKeyChanged: the changed row's version (updated_at in µs), 0 when unknown. A cache that
  // heard of version v never again takes an older copy of that key from a shared tier.
  int64_t version = 0;
};

// Receives changes; called from the invalidation thread (and the publisher's), so it must be thread-safe.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Applies one change; idempotent (the same change may arrive several times).
  virtual void onChange(const Change& change) = 0;
};

// Sends changes to every instance (store::InvalidationBus); adapters that write a change to
// PostgreSQL announce it through this, without depending on the bus itself.
class ChangePublisher {
 public:
  virtual ~ChangePublisher() = default;
  // Delivers `change` here now and to the other instances (best effort; the poll is the safety net).
  virtual void publish(const Change& change) = 0;
};

}  // namespace authd
