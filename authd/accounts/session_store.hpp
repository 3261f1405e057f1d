// A user's sessions (refresh-token families) as they see and end them, and the
// password changes that end them: the store does each in one transaction with
// its events (session.revoked per session, user.password_changed,
// user.password_reset_requested), and tells every instance of each revoked
// session so that its access tokens are refused within a second.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::accounts {

// One live session: unrevoked, with a refresh token that can still rotate.
struct SessionInfo {
  std::string id;  // the family id, which access tokens carry as `sid`
  SysTime createdAt;
  SysTime lastRefreshedAt;    // the login's time until its first rotation
  std::string userAgent;      // the login's; empty when none
  std::string clientAddress;  // the login's; empty when unknown
};

// Which of a user's live sessions a revocation ends: `only` that one (when set), else every one but `keep`
// (every one when `keep` is empty).
struct SessionSelector {
  std::string only;
  std::string keep;
};

// A reset request as stored: the token's hash only, and the event whose data holds it sealed.
struct ResetRequestRow {
  std::string normalizedEmail;  // accounts::normalizeEmail's form
  std::string resetId;          // a UUID, chosen by the caller (the seal is bound to it)
  std::string tokenHash;        // SHA-256 hex of the token
  SysTime expiresAt;
  events::Event event;  // user.password_reset_requested, its user id filled in by the store
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // The user's live sessions, most recently refreshed first.
  virtual Result<std::vector<SessionInfo>> liveSessions(std::string_view userId) = 0;
  // Revokes the user's live sessions `which` selects, with one session.revoked (by `ctx`, {sessionId, reason})
  // each, in one transaction; returns the ids revoked (empty: none matched).
  virtual Result<std::vector<std::string>> revokeSessions(std::string_view userId, const SessionSelector& which,
                                                          const events::Context& ctx, std::string_view reason) = 0;
  // Sets the user's password hash and revokes every live session but `keepSid` (empty: all), with
  // session.revoked each and user.password_changed ({via: `via`}), in one transaction.
  virtual Status changePassword(std::string_view userId, std::string_view passwordHash, std::string_view keepSid,
                                const events::Context& ctx, std::string_view via) = 0;
  // In one statement: if an active user has this email, stores the reset and writes its event (operator
  // endpoints only); otherwise writes nothing. The same round trip either way.
  virtual Status requestReset(const ResetRequestRow& row) = 0;
  // In one transaction: spends the unused, unexpired reset with this hash (of an active user), sets the user's
  // password hash and revokes all their sessions (session.revoked each, user.password_changed {via: "reset"}).
  // The user's id; nullopt when no such reset (unknown, used, expired): nothing changed.
  virtual Result<std::optional<std::string>> confirmReset(std::string_view tokenHash, std::string_view passwordHash,
                                                          const events::Origin& origin) = 0;
};

}  // namespace authd::accounts
