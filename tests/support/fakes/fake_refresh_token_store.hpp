// Refresh-token rows in memory, keyed by hash, with PostgreSQL's semantics:
// the family is the unit of revocation and of atomicity (one lock per family),
// so a revoked family refuses every token of it, stored before or after.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "tokens/refresh_tokens.hpp"

namespace authd::testing {

// Counts calls and can simulate an outage (`down`: every call is kDatabaseUnavailable).
class FakeRefreshTokenStore final : public tokens::RefreshTokenStore {
 public:
  Status insert(const tokens::RefreshRecord& r, std::string_view tokenHash) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    rows[std::string(tokenHash)] = r;
    return {};
  }
  Result<std::optional<tokens::RefreshRecord>> findByHash(std::string_view tokenHash) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    const auto it = rows.find(std::string(tokenHash));
    if (it == rows.end()) return std::optional<tokens::RefreshRecord>();
    return std::optional<tokens::RefreshRecord>(it->second);
  }
  Result<tokens::RotateResult> rotate(std::string_view tokenHash, SysTime now, const tokens::Successor& next) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    const auto it = rows.find(std::string(tokenHash));
    if (it == rows.end()) return tokens::RotateResult{};
    tokens::RefreshRecord& row = it->second;
    if (revokedFamilies.contains(row.familyId) || row.revoked) return tokens::RotateResult{};
    if (row.used) {
      revoke(row.familyId);
      return tokens::RotateResult{tokens::RotateOutcome::kReused, {}, row.familyId};
    }
    if (row.expiresAt <= now) return tokens::RotateResult{};
    row.used = true;
    const tokens::RefreshRecord successor{next.id, row.userId, row.familyId, next.expiresAt};
    rows[next.tokenHash] = successor;
    return tokens::RotateResult{tokens::RotateOutcome::kRotated, successor.userId, successor.familyId};
  }
  Status revokeFamily(std::string_view familyId) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    revoke(familyId);
    return {};
  }

  // True when the family has rows and every one of them is revoked.
  bool familyRevoked(std::string_view familyId) const {
    bool any = false;
    for (const auto& [hash, row] : rows) {
      if (row.familyId != familyId) continue;
      any = true;
      if (!row.revoked) return false;
    }
    return any;
  }

  std::map<std::string, tokens::RefreshRecord> rows;   // by token hash
  std::set<std::string, std::less<>> revokedFamilies;
  int calls = 0;  // every call, failed or not
  bool down = false;

 private:
  void revoke(std::string_view familyId) {
    revokedFamilies.emplace(familyId);
    for (auto& [hash, row] : rows)
      if (row.familyId == familyId) row.revoked = true;
  }
};

}  // namespace authd::testing
