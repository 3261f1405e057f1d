// Signup, login, refresh rotation, logout and the current user. Returns
// Errors, never HTTP: http/account_routes maps them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "accounts/account_requests.hpp"
#include "accounts/login_throttle.hpp"
#include "accounts/password_hasher.hpp"
#include "accounts/user_store.hpp"
#include "core/clock.hpp"
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
  // Denies the token with this jti until `expiresAt` (unix seconds).
  virtual Status revoke(std::string_view jti, std::string_view userId, int64_t expiresAt) = 0;
};

class AccountService {
 public:
  AccountService(UserStore& users, const PasswordHasher& hasher, const tokens::AccessTokens& access,
                 tokens::RefreshTokens& refresh, LoginThrottle& throttle, AccessTokenRevoker& revoker)
      : users_(users), hasher_(hasher), access_(access), refresh_(refresh), throttle_(throttle), revoker_(revoker) {}

  // Creates the user (kEmailTaken if the email exists in any case) and logs them in.
  Result<Session> signup(const SignupRequest& req);
  // Checks the password; kInvalidCredentials for an unknown email or a wrong password alike,
  // kTooManyRequests when throttled, kUserInactive for a deactivated user.
  Result<Session> login(const LoginRequest& req, std::string_view clientAddress);
  // Rotates the refresh token (reuse revokes the family) and issues a new pair.
  Result<Session> refresh(std::string_view refreshToken);
  // Denies the access token and revokes its session's refresh family (and that of
  // `refreshToken`, if it is the same user's).
  Status logout(const tokens::AccessClaims& claims, const std::optional<std::string>& refreshToken);
  // The active user behind a verified access token.
  Result<User> me(std::string_view userId);

 private:
  Result<Session> startSession(User user, std::string_view familyId);

  UserStore& users_;
  const PasswordHasher& hasher_;
  const tokens::AccessTokens& access_;
  tokens::RefreshTokens& refresh_;
  LoginThrottle& throttle_;
  AccessTokenRevoker& revoker_;
};

}  // namespace authd::accounts
