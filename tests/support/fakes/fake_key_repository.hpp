// What keys::KeyService manages keys in and announces changes to, in memory:
// PostgreSQL's api_keys rows and the caches/other instances that must hear of them.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/key_audit.hpp"
#include "keys/key_service.hpp"
#include "keys/key_store.hpp"

namespace authd::testing {

// Keys in a map by id (ids are UUIDs numbered in creation order); `down` answers as PostgreSQL being unreachable.
// The audit events each change would write with it (keys/key_audit.hpp) are kept in `events`.
class FakeKeyRepository final : public keys::KeyRepository {
 public:
  struct Row {
    keys::KeyRecord record;
    std::string hash;
  };
  Result<keys::KeyRecord> create(std::string_view userId, const keys::CreateKeyRequest& req, std::string_view keyHash,
                                 std::string_view prefix, const events::Context& ctx) override {
    auto r = insert(userId, req, keyHash, prefix);
    if (r) events.push_back(keys::audit::created(*r, ctx));
    return r;
  }
  Result<keys::KeyRecord> insert(std::string_view userId, const keys::CreateKeyRequest& req, std::string_view keyHash,
                                 std::string_view prefix) {
    if (down) return fail(Code::kDatabaseUnavailable);
    keys::KeyRecord r;
    const std::string n = std::to_string(rows.size());
    r.id = "00000000-0000-4000-8000-" + std::string(12 - n.size(), '0') + n;
    r.userId = std::string(userId);
    r.name = req.name;
    r.prefix = std::string(prefix);
    r.scopes = req.scopes;
    r.rateLimit = req.rateLimit;
    r.expiresAt = req.expiresAt;
    r.metadata = req.metadata;
    r.createdAt = createdAt;
    r.version = ++version;
    grant(r, req.credits, createdAt);
    rows[r.id] = Row{r, std::string(keyHash)};
    return r;
  }
  Result<std::vector<keys::KeyRecord>> listByUser(std::string_view userId) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    std::vector<keys::KeyRecord> out;
    for (const auto& [id, row] : rows) {
      if (row.record.userId == userId) out.push_back(row.record);
    }
    return out;
  }
  Result<std::optional<keys::ChangedKey>> revoke(std::string_view userId, std::string_view keyId,
                                                 const events::Context& ctx) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    Row* row = find(userId, keyId);
    if (!row) return std::optional<keys::ChangedKey>{};
    if (auto e = keys::audit::revoked(row->record, ctx)) events.push_back(std::move(*e));
    row->record.isActive = false;
    row->record.version = ++version;
    return std::optional(keys::ChangedKey{row->hash, row->record.version});
  }
  Result<std::optional<keys::KeyRecord>> get(std::string_view userId, std::string_view keyId) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    Row* row = find(userId, keyId);
    if (!row) return std::optional<keys::KeyRecord>{};
    return std::optional(row->record);
  }
  Result<std::optional<keys::StoredKey>> update(std::string_view userId, std::string_view keyId,
                                                const keys::KeyPatch& patch, const events::Context& ctx) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    Row* row = find(userId, keyId);
    if (!row) return std::optional<keys::StoredKey>{};
    auto& r = row->record;
    if (!r.isActive || r.rotatedAt) return fail(Code::kConflict);
    const keys::KeyRecord before = r;
    if (patch.name) r.name = *patch.name;
    if (patch.scopes) r.scopes = *patch.scopes;
    if (patch.rateLimit) r.rateLimit = *patch.rateLimit;
    if (patch.expiresAt) r.expiresAt = *patch.expiresAt;
    if (patch.metadata) r.metadata = *patch.metadata;
    if (patch.credits) grant(r, *patch.credits, createdAt);
    if (patch.enabled) {
      r.enabled = *patch.enabled;
      if (r.enabled) {
        r.disabledReason.reset();
      } else if (!r.disabledReason) {
        r.disabledReason = keys::DisabledReason::kUser;
      }
    }
    r.version = ++version;
    for (auto& e : keys::audit::updated(before, r, patch, ctx)) events.push_back(std::move(e));
    return std::optional(keys::StoredKey{r, row->hash});
  }
  Result<std::optional<keys::RotatedKey>> rotate(std::string_view userId, std::string_view keyId,
                                                 std::chrono::seconds grace, std::string_view keyHash,
                                                 std::string_view prefix, const events::Context& ctx) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    Row* row = find(userId, keyId);
    if (!row) return std::optional<keys::RotatedKey>{};
    auto old = row->record;
    if (!old.isActive || old.rotatedAt || (old.expiresAt && *old.expiresAt <= now)) return fail(Code::kConflict);
    // The successor's grant: the settings, and what was left (the refill amount once a period began since).
    std::optional<keys::Credits> credits = old.credits;
    if (credits)
      credits->remaining =
          keys::remainingAt(old.credits->remaining, old.creditsPeriod, old.credits->refill, toUnixMillis(now) / 1000);
    keys::CreateKeyRequest req{old.name, old.expiresAt, old.scopes, old.rateLimit, old.metadata, credits};
    auto successor = insert(userId, req, keyHash, prefix);
    if (!successor) return fail(successor.error());
    rows[successor->id].record.rotatedFrom = old.id;
    successor->rotatedFrom = old.id;
    Row& retired = rows[old.id];
    retired.record.rotatedAt = now;
    const SysTime end = now + grace;
    if (!retired.record.expiresAt || *retired.record.expiresAt > end) retired.record.expiresAt = end;
    retired.record.version = ++version;
    events.push_back(keys::audit::rotated(old, *successor, *retired.record.expiresAt, ctx));
    return std::optional(keys::RotatedKey{*successor, keys::ChangedKey{retired.hash, retired.record.version},
                                          *retired.record.expiresAt});
  }
  Result<std::optional<keys::StoredKey>> disableLeaked(std::string_view keyHash,
                                                       const events::Origin& origin) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    ++leakLookups;
    for (auto& [id, row] : rows) {
      if (row.hash != keyHash || !row.record.isActive) continue;
      if (auto e = keys::audit::leaked(row.record, origin)) events.push_back(std::move(*e));
      row.record.enabled = false;
      row.record.disabledReason = keys::DisabledReason::kLeaked;
      row.record.version = ++version;
      return std::optional(keys::StoredKey{row.record, row.hash});
    }
    return std::optional<keys::StoredKey>{};
  }

  // A grant as PostgreSQL writes it: a newer version, the period of `at` with a refill, else 0.
  void grant(keys::KeyRecord& r, const std::optional<keys::Credits>& credits, SysTime at) {
    r.credits = credits;
    r.creditsVersion = ++version;
    r.creditsPeriod =
        credits && credits->refill ? keys::periodStart(credits->refill->interval, toUnixMillis(at) / 1000) : 0;
  }

  std::map<std::string, Row> rows;    // by key id
  SysTime createdAt{};                // what create() stamps on a new key
  SysTime now{};                      // the database's clock, for rotation
  int64_t version = 0;                // the last row version written
  int leakLookups = 0;                // disableLeaked() calls
  std::vector<events::Event> events;  // the audit events the changes wrote, in order
  bool down = false;

 private:
  Row* find(std::string_view userId, std::string_view keyId) {
    auto it = rows.find(std::string(keyId));
    if (it == rows.end() || it->second.record.userId != userId) return nullptr;
    return &it->second;
  }

 public:
};

// Records what was announced.
class RecordingKeyEvents final : public keys::KeyEvents {
 public:
  void created(std::string_view keyHash, const keys::KeyRecord& record) override {
    createdHashes.emplace_back(keyHash);
    createdIds.push_back(record.id);
  }
  void changed(const keys::ChangedKey& key) override {
    changedHashes.push_back(key.hash);
    changedVersions.push_back(key.version);
  }

  std::vector<std::string> createdHashes, createdIds, changedHashes;
  std::vector<int64_t> changedVersions;
};

}  // namespace authd::testing
