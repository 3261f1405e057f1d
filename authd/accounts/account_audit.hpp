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

}  // namespace authd::accounts::audit
