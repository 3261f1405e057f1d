// The unit tests' in-memory tokens::RefreshTokenStore (RefreshTokens' and
// AccountService's tests share it): rows by token hash, the family as the unit
// of revocation and atomicity, a call counter and an outage switch.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tokens/refresh_tokens.hpp"

namespace authd::testing {

class FakeRefreshTokenStore final : public tokens::RefreshTokenStore {
 public:
  Status insert(const tokens::RefreshRecord& r, std::string_view tokenHash, std::span<events::Event> written) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    // As PgRefreshStore's insert: no session for a password that is no longer the user's.
    if (stillHasHash && !stillHasHash(r)) return fail(Code::kInvalidCredentials);
    rows[std::string(tokenHash)] = r;
    events.insert(events.end(), written.begin(), written.end());
    return {};
  }
  Result<std::optional<tokens::RefreshRecord>> findByHash(std::string_view tokenHash) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    const auto it = rows.find(std::string(tokenHash));
    if (it == rows.end()) return std::optional<tokens::RefreshRecord>();
    return std::optional<tokens::RefreshRecord>(it->second);
  }
  // Atomic per family, as in PostgreSQL (one lock per family): a revoked family refuses every token of it,
  // including ones stored after the revocation; a used token presented again revokes its family.
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
    const tokens::RefreshRecord successor{next.id, row.userId, row.familyId, next.expiresAt, false, false, {}, {}};
    rows[next.tokenHash] = successor;
    return tokens::RotateResult{tokens::RotateOutcome::kRotated, successor.userId, successor.familyId};
  }
  Status revokeFamily(std::string_view familyId) override {
    ++calls;
    if (down) return fail(Code::kDatabaseUnavailable);
    revoke(familyId);
    return {};
  }

  // Whether the family has rows and every one of them is revoked.
  bool familyRevoked(std::string_view familyId) const {
    bool any = false;
    for (const auto& [hash, row] : rows) {
      if (row.familyId != familyId) continue;
      any = true;
      if (!row.revoked) return false;
    }
    return any;
  }

  std::map<std::string, tokens::RefreshRecord> rows;
  std::set<std::string, std::less<>> revokedFamilies;  // every family revoked so far
  std::vector<std::string> revocations;                // each revocation in turn, repeats included
  std::vector<events::Event> events;                   // written with the inserted tokens (logins)
  int calls = 0;                                       // calls of the interface's methods
  // When set: whether the record's passwordHash is still its user's (PostgreSQL's user_still_has_hash); an insert
  // it refuses is kInvalidCredentials.
  std::function<bool(const tokens::RefreshRecord&)> stillHasHash;
  bool down = false;  // every call fails with kDatabaseUnavailable

 private:
  void revoke(std::string_view familyId) {
    revokedFamilies.emplace(familyId);
    revocations.emplace_back(familyId);
    for (auto& [hash, row] : rows)
      if (row.familyId == familyId) row.revoked = true;
  }
};

}  // namespace authd::testing
