// Password change and reset (SPEC.md "Identity"). A change needs the current
// password (checked like a login's, under the login throttle) and ends every
// other session; a reset needs a one-time token that only the operator's
// webhooks receive (their mailer sends it), and ends every session. The new
// password follows signup's rules (accounts/account_requests).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "accounts/account_requests.hpp"
#include "accounts/login_throttle.hpp"
#include "accounts/password_hasher.hpp"
#include "accounts/session_store.hpp"
#include "accounts/user_store.hpp"
#include "core/clock.hpp"
#include "core/windowed_counter.hpp"
#include "events/event.hpp"
#include "events/secret_box.hpp"
#include "tokens/access_tokens.hpp"

namespace authd::accounts {

// Reset tokens: "rst_" + unpadded base64url of 32 random bytes.
inline constexpr std::string_view kResetTokenPrefix = "rst_";

struct ResetSettings {
  std::chrono::seconds ttl{900};  // a token's life: 15 minutes
  // Requests and confirmations per client address per window (LEAK_REPORT_LIMIT, LEAK_REPORT_WINDOW).
  int64_t limitPerAddress = 10;
  std::chrono::seconds window{60};
};

class PasswordService {
 public:
  // `box` seals the token into the request's event (the webhook SecretBox: only a delivery opens it).
  PasswordService(UserStore& users, SessionStore& sessions, const PasswordHasher& hasher, LoginThrottle& throttle,
                  WindowedCounter& counter, const events::SecretBox& box, const Clock& clock, ResetSettings settings)
      : users_(users),
        sessions_(sessions),
        hasher_(hasher),
        throttle_(throttle),
        counter_(counter),
        box_(box),
        clock_(clock),
        settings_(settings) {}

  // Changes the caller's password: kInvalidCredentials for a wrong current password (counted by the login
  // throttle under the user's email and the client address; kTooManyRequests past it), kUserInactive for a
  // deactivated user; every session but the caller's ends. user.password_changed {via: "change"}.
  Status change(const tokens::AccessClaims& caller, const ChangePasswordRequest& req, const events::Origin& origin);
  // Asks for a reset of the account with this (normalised) email. The same work and one statement whether or not
  // an active user has it; only kTooManyRequests (per client address) or a store fault tell anything.
  Status requestReset(std::string_view normalizedEmail, const events::Origin& origin);
  // Sets the password with a reset token: kInvalidResetToken when it is malformed, unknown, expired or used; on
  // success the token is spent and every session of the user ends. user.password_changed {via: "reset"}.
  Status confirmReset(const ResetConfirmRequest& req, const events::Origin& origin);

  // The SHA-256 hex of a reset token, as stored.
  static std::string hashResetToken(std::string_view token);
  // True when `token` has the exact shape of one this service issues.
  static bool isWellFormedResetToken(std::string_view token);

 private:
  Status admitResetCall(const events::Origin& origin);

  UserStore& users_;
  SessionStore& sessions_;
  const PasswordHasher& hasher_;
  LoginThrottle& throttle_;
  WindowedCounter& counter_;
  const events::SecretBox& box_;
  const Clock& clock_;
  ResetSettings settings_;
};

}  // namespace authd::accounts
