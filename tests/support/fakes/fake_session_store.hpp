// accounts::SessionStore in memory: sessions per user (live or revoked), reset
// rows by token hash, and the events each change would write; the password hash
// is set on a FakeUserStore's user, as PostgreSQL sets users.password_hash.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/account_audit.hpp"
#include "accounts/session_store.hpp"
#include "core/clock.hpp"
#include "support/fakes/fake_account_stores.hpp"

namespace authd::testing {

class FakeSessionStore final : public accounts::SessionStore {
 public:
  struct Row {
    std::string userId;
    accounts::SessionInfo info;
    bool revoked = false;
  };
  struct Reset {
    std::string userId;
    SysTime expiresAt;
    bool used = false;
  };

  FakeSessionStore(FakeUserStore& users, const Clock& clock) : users_(users), clock_(clock) {}

  // A live session of `userId` with this id.
  void addSession(const std::string& userId, const std::string& id, std::string userAgent = "ua") {
    sessions[id] = Row{userId, {id, clock_.now(), clock_.now(), std::move(userAgent), "203.0.113.7"}, false};
  }

  Result<std::vector<accounts::SessionInfo>> liveSessions(std::string_view userId) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    std::vector<accounts::SessionInfo> out;
    for (const auto& [id, r] : sessions)
      if (r.userId == userId && !r.revoked) out.push_back(r.info);
    return out;
  }
  Result<std::vector<std::string>> revokeSessions(std::string_view userId, const accounts::SessionSelector& which,
                                                  const events::Context& ctx, std::string_view reason) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    return revokeWhere(std::string(userId), which, ctx, reason);
  }
  Status changePassword(std::string_view userId, std::string_view passwordHash, std::string_view keepSid,
                        const events::Context& ctx, std::string_view via) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    const std::string u(userId);
    users_.users.at(u).passwordHash = std::string(passwordHash);
    for (auto& [h, r] : resets)
      if (r.userId == u) r.used = true;
    revokeWhere(u, {.only = {}, .keep = std::string(keepSid)}, ctx, "password_changed");
    events.push_back(accounts::audit::passwordChanged(ctx, u, via));
    return {};
  }
  Status requestReset(const accounts::ResetRequestRow& row) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    ++resetRequests;
    for (const auto& [id, u] : users_.users) {
      if (lowerCase(u.email) != row.normalizedEmail || !u.isActive) continue;
      resets[row.tokenHash] = Reset{id, row.expiresAt, false};
      events::Event e = row.event;
      e.userId = id;
      e.targetId = id;
      events.push_back(std::move(e));
    }
    return {};
  }
  Result<std::optional<std::string>> confirmReset(std::string_view tokenHash, std::string_view passwordHash,
                                                  const events::Origin& origin) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    const auto it = resets.find(std::string(tokenHash));
    if (it == resets.end() || it->second.used || it->second.expiresAt <= clock_.now()) {
      return std::optional<std::string>();
    }
    const std::string u = it->second.userId;
    it->second.used = true;
    users_.users.at(u).passwordHash = std::string(passwordHash);
    const auto ctx = events::Context::user(u, origin);
    revokeWhere(u, {}, ctx, "password_reset");
    events.push_back(accounts::audit::passwordChanged(ctx, u, "reset"));
    return std::optional<std::string>(u);
  }

  std::map<std::string, Row> sessions;  // by id
  std::map<std::string, Reset> resets;  // by token hash
  std::vector<events::Event> events;    // what the changes wrote
  int resetRequests = 0;                // requestReset calls (the one statement)
  bool down = false;

 private:
  std::vector<std::string> revokeWhere(const std::string& userId, const accounts::SessionSelector& which,
                                       const events::Context& ctx, std::string_view reason) {
    std::vector<std::string> ids;
    for (auto& [id, r] : sessions) {
      if (r.userId != userId || r.revoked) continue;
      if (!which.only.empty() && id != which.only) continue;
      if (!which.keep.empty() && id == which.keep) continue;
      r.revoked = true;
      ids.push_back(id);
      events.push_back(accounts::audit::sessionRevoked(ctx, userId, id, reason));
    }
    return ids;
  }

  FakeUserStore& users_;
  const Clock& clock_;
};

}  // namespace authd::testing
