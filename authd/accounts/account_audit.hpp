// The audit events of account changes (SPEC.md "Events"). The store of each
// change writes its event in the change's own transaction (signup: the user's
// insert; login: the new session's; logout: the access token's denial). Never
// a password, token or email in an event.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "accounts/user_store.hpp"
#include "events/event.hpp"

namespace authd::accounts::audit {

// user.signup by the new user: {}.
events::Event signup(const User& user, const events::Origin& origin);
// user.login by the user: {sessionId}.
events::Event login(const User& user, std::string_view sessionId, const events::Origin& origin);
// user.login_failed: by an unauthenticated caller (actor {user, no id}), in the log of the user whose email was
// given (`userId`, nullopt when no account has it: then only operator endpoints see it): {reason}, the error
// code's name (invalid_credentials, user_inactive).
events::Event loginFailed(const std::optional<std::string>& userId, std::string_view reason,
                          const events::Origin& origin);
// user.logout by the user: {sessionId} (null when the token names none).
events::Event logout(const events::Context& ctx, std::string_view sessionId);

// session.revoked by `ctx`'s actor, in the log of `userId`: {sessionId, reason} (reason: "revoked", "logout_all",
// "password_changed", "password_reset").
events::Event sessionRevoked(const events::Context& ctx, std::string_view userId, std::string_view sessionId,
                             std::string_view reason);
// user.password_changed by `ctx`'s actor: {via} ("change" by the user, "reset" by a reset token).
events::Event passwordChanged(const events::Context& ctx, std::string_view userId, std::string_view via);
// user.password_reset_requested by an unauthenticated caller (actor {user, no id}); the store fills in the user:
// {resetId, expiresAt, sealedToken} (the token sealed: events/sealed_token.hpp; never rendered but to the operator's
// webhook, opened).
events::Event passwordResetRequested(std::string_view resetId, SysTime expiresAt, std::string_view sealedToken,
                                     const events::Origin& origin);

// user.deactivated / user.activated by `ctx`'s actor (the operator): {}.
events::Event activeChanged(const events::Context& ctx, std::string_view userId, bool active);
// user.rate_limit_changed by `ctx`'s actor (the operator): {rateLimit: {limit, windowSeconds}} (limit 0: none for this
// user), or {rateLimit: null} when the user is back on the server's USER_RATE_LIMIT.
events::Event rateLimitChanged(const events::Context& ctx, std::string_view userId,
                               const std::optional<UserRateOverride>& limit);

}  // namespace authd::accounts::audit
