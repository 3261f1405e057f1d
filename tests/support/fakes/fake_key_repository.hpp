// What keys::KeyService manages keys in and announces changes to, in memory:
// PostgreSQL's api_keys rows and the caches/other instances that must hear of them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/key_service.hpp"
#include "keys/key_store.hpp"

namespace authd::testing {

// Keys in a map by id (ids are UUIDs numbered in creation order); `down` answers as PostgreSQL being unreachable.
class FakeKeyRepository final : public keys::KeyRepository {
 public:
  struct Row {
    keys::KeyRecord record;
    std::string hash;
  };
  Result<keys::KeyRecord> create(std::string_view userId, const keys::CreateKeyRequest& req, std::string_view keyHash,
                                 std::string_view prefix) override {
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
    r.createdAt = createdAt;
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
  Result<std::optional<std::string>> revoke(std::string_view userId, std::string_view keyId) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    auto it = rows.find(std::string(keyId));
    if (it == rows.end() || it->second.record.userId != userId) return std::optional<std::string>{};
    it->second.record.isActive = false;
    return std::optional<std::string>(it->second.hash);
  }

  std::map<std::string, Row> rows;  // by key id
  SysTime createdAt{};              // what create() stamps on a new key
  bool down = false;
};

// Records what was announced.
class RecordingKeyEvents final : public keys::KeyEvents {
 public:
  void created(std::string_view keyHash, const keys::KeyRecord& record) override {
    createdHashes.emplace_back(keyHash);
    createdIds.push_back(record.id);
  }
  void changed(std::string_view keyHash) override { changedHashes.emplace_back(keyHash); }

  std::vector<std::string> createdHashes, createdIds, changedHashes;
};

}  // namespace authd::testing
