// The caller's own sessions: list them, end one, end them all (SPEC.md
// "Identity"). A session is a refresh-token family; ending it revokes the family
// and, by its id (the access tokens' `sid`), every access token it issued, on
// every instance (the store publishes the revocation).
#pragma once

#include <string_view>
#include <vector>

#include "accounts/session_store.hpp"
#include "core/error.hpp"
#include "events/event.hpp"
#include "tokens/access_tokens.hpp"

namespace authd::accounts {

// A session as GET /auth/sessions lists it.
struct ListedSession {
  SessionInfo session;
  bool current = false;  // the session of the caller's access token
};

class SessionService {
 public:
  explicit SessionService(SessionStore& store) : store_(store) {}
  // The caller's live sessions, most recently refreshed first.
  Result<std::vector<ListedSession>> list(const tokens::AccessClaims& caller);
  // Ends one of the caller's sessions: kInvalidId when `sessionId` is not a UUID, kNotFound when it is not a live
  // session of theirs (another user's looks the same as none). session.revoked, by the caller.
  Status revoke(const tokens::AccessClaims& caller, std::string_view sessionId, const events::Origin& origin);
  // Ends every live session of the caller, the current one too; how many ended.
  Result<size_t> revokeAll(const tokens::AccessClaims& caller, const events::Origin& origin);

 private:
  SessionStore& store_;
};

}  // namespace authd::accounts
