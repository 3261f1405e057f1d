// What accounts::AccountService keeps users and logout denials in, in memory:
// PostgreSQL's users table (emails unique in any case) and the access-token
// revoker. Refresh tokens: fake_refresh_token_store.hpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/account_audit.hpp"
#include "accounts/account_service.hpp"
#include "accounts/user_store.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "events/event_writer.hpp"
#include "support/text.hpp"

namespace authd::testing {

// Users in a map by id; emails unique in any case, like the PostgreSQL index; `down` answers as PostgreSQL being
// unreachable. The user.signup events it would write are kept in `events`.
class FakeUserStore final : public accounts::UserStore {
 public:
  explicit FakeUserStore(const Clock& clock) : clock_(clock) {}

  Result<accounts::User> create(std::string_view email, std::string_view name, std::string_view passwordHash,
                                const events::Origin& origin) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    for (const auto& [id, u] : users)
      if (lowerCase(u.email) == lowerCase(email)) return fail(Code::kEmailTaken);
    accounts::User u{crypto::uuidV4(), std::string(email), std::string(name), std::string(passwordHash), true,
                     clock_.now()};
    users[u.id] = u;
    events.push_back(accounts::audit::signup(u, origin));
    return u;
  }
  Result<std::optional<accounts::User>> findByEmail(std::string_view email) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    for (const auto& [id, u] : users)
      if (lowerCase(u.email) == lowerCase(email)) return std::optional<accounts::User>(u);
    return std::optional<accounts::User>();
  }
  Result<std::optional<accounts::User>> findById(std::string_view id) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    const auto it = users.find(std::string(id));
    if (it == users.end()) return std::optional<accounts::User>();
    return std::optional<accounts::User>(it->second);
  }
  Result<bool> upgradePasswordHash(std::string_view id, std::string_view oldHash, std::string_view newHash) override {
    ++upgrades;
    if (beforeUpgrade) beforeUpgrade();
    if (down || upgradeFails) return fail(Code::kDatabaseUnavailable);
    const auto it = users.find(std::string(id));
    if (it == users.end() || it->second.passwordHash != oldHash) return false;
    it->second.passwordHash = std::string(newHash);
    return true;
  }

  std::map<std::string, accounts::User> users;  // by id
  int upgrades = 0;                             // upgradePasswordHash calls
  bool upgradeFails = false;                    // upgradePasswordHash answers as PostgreSQL being unreachable
  std::function<void()> beforeUpgrade;          // runs first in upgradePasswordHash (a change committing meanwhile)
  std::vector<events::Event> events;            // written with the users
  bool down = false;

 private:
  const Clock& clock_;
};

// Records every access-token denial and the event written with it; `down` answers as PostgreSQL being unreachable.
class FakeAccessTokenRevoker final : public accounts::AccessTokenRevoker {
 public:
  struct Call {
    std::string jti;
    std::string userId;
    int64_t expiresAt;
    events::Event event;
  };
  Status revoke(std::string_view jti, std::string_view userId, int64_t expiresAt, events::Event& event) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    calls.push_back({std::string(jti), std::string(userId), expiresAt, event});
    return {};
  }

  std::vector<Call> calls;
  bool down = false;
};

// Records the events written on their own (failed logins); `down` answers as PostgreSQL being unreachable.
class FakeEventWriter final : public events::EventWriter {
 public:
  Status write(events::Event& e) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    written.push_back(e);
    return {};
  }

  std::vector<events::Event> written;
  bool down = false;
};

}  // namespace authd::testing
