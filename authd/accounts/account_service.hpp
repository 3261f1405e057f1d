// Signup, login, refresh rotation, logout and the current user. Returns
// Errors, never HTTP: http/account_routes maps them.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "accounts/account_requests.hpp"
#include "accounts/login_throttle.hpp"
#include "accounts/password_hasher.hpp"
#include "accounts/user_store.hpp"
#include "core/clock.hpp"
#include "events/event.hpp"
#include "events/event_writer.hpp"
#include "tokens/access_tokens.hpp"
#include "tokens/refresh_tokens.hpp"

namespace authd::accounts {

// A logged-in session: the user and a fresh token pair.
struct Session {
  User user;
  std::string accessToken;
  std::string refreshToken;
};

// Persists a logout's access-token denial and tells every instance.
class AccessTokenRevoker {
 public:
  virtual ~AccessTokenRevoker() = default;
  // Denies the token with this jti until `expiresAt` (unix seconds), and writes `event` (the logout's) in the
  // same transaction.
  virtual Status revoke(std::string_view jti, std::string_view userId, int64_t expiresAt, events::Event& event) = 0;
};

class AccountService {
 public:
  // `failures` records failed logins (user.login_failed), which change nothing and so have no transaction of their
  // own; every other event is written by the store of its change.
  AccountService(UserStore& users, const PasswordHasher& hasher, const tokens::AccessTokens& access,
                 tokens::RefreshTokens& refresh, LoginThrottle& throttle, AccessTokenRevoker& revoker,
                 events::EventWriter& failures)
      : users_(users),
        hasher_(hasher),
        access_(access),
        refresh_(refresh),
        throttle_(throttle),
        revoker_(revoker),
        failures_(failures) {}

  // Creates the user (kEmailTaken if the email exists in any case) and logs them in (user.signup, from `origin`).
  Result<Session> signup(const SignupRequest& req, const events::Origin& origin);
  // Checks the password; kInvalidCredentials for an unknown email or a wrong password alike,
  // kTooManyRequests when throttled, kUserInactive for a deactivated user. Throttled per
  // origin.clientAddress. user.login with the new session; user.login_failed for a wrong password, an unknown
  // email or an inactive user (not for a throttled attempt: those cost nothing, not even a row). A password hash
  // imported from the original service (bcrypt) is replaced by argon2id when the login succeeds.
  Result<Session> login(const LoginRequest& req, const events::Origin& origin);
  // Rotates the refresh token (reuse revokes the family) and issues a new pair.
  Result<Session> refresh(std::string_view refreshToken);
  // Denies the access token and revokes its session's refresh family (and that of
  // `refreshToken`, if it is the same user's); user.logout with the denial, from `origin`.
  Status logout(const tokens::AccessClaims& claims, const std::optional<std::string>& refreshToken,
                const events::Origin& origin);
  // The active user behind a verified access token.
  Result<User> me(std::string_view userId);

 private:
  Result<Session> startSession(User user, std::string_view familyId, const events::Origin& origin,
                               std::span<events::Event> events = {});
  // Replaces the user's imported (bcrypt) hash by an argon2id one of `password`, which just verified, and puts it in
  // `user` (the session is stored only while it is the user's hash). A failure is logged and changes nothing: the
  // login goes on, and the next one tries again.
  void upgradeHash(User& user, std::string_view password);
  // Writes user.login_failed; a failure to write it is logged, and the login fails as it would have anyway.
  void recordFailure(const std::optional<std::string>& userId, Code reason, const events::Origin& origin);

  UserStore& users_;
  const PasswordHasher& hasher_;
  const tokens::AccessTokens& access_;
  tokens::RefreshTokens& refresh_;
  LoginThrottle& throttle_;
  AccessTokenRevoker& revoker_;
  events::EventWriter& failures_;
};

}  // namespace authd::accounts
