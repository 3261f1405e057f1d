// What accounts::AccountService keeps users and logout denials in, in memory:
// PostgreSQL's users table (emails unique in any case) and the access-token
// revoker. Refresh tokens: fake_refresh_token_store.hpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/account_service.hpp"
#include "accounts/user_store.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "support/text.hpp"

namespace authd::testing {

// Users in a map by id; emails unique in any case, like the PostgreSQL index; `down` answers as PostgreSQL being
// unreachable.
class FakeUserStore final : public accounts::UserStore {
 public:
  explicit FakeUserStore(const Clock& clock) : clock_(clock) {}

  Result<accounts::User> create(std::string_view email, std::string_view name, std::string_view passwordHash) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    for (const auto& [id, u] : users)
      if (lowerCase(u.email) == lowerCase(email)) return fail(Code::kEmailTaken);
    accounts::User u{crypto::uuidV4(), std::string(email), std::string(name), std::string(passwordHash), true,
                     clock_.now()};
    users[u.id] = u;
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

  std::map<std::string, accounts::User> users;  // by id
  bool down = false;

 private:
  const Clock& clock_;
};

// Records every access-token denial; `down` answers as PostgreSQL being unreachable.
class FakeAccessTokenRevoker final : public accounts::AccessTokenRevoker {
 public:
  struct Call {
    std::string jti;
    std::string userId;
    int64_t expiresAt;
  };
  Status revoke(std::string_view jti, std::string_view userId, int64_t expiresAt) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    calls.push_back({std::string(jti), std::string(userId), expiresAt});
    return {};
  }

  std::vector<Call> calls;
  bool down = false;
};

}  // namespace authd::testing
