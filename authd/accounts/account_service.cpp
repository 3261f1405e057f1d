#include "accounts/account_service.hpp"

#include <spdlog/spdlog.h>

#include "accounts/account_audit.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace authd::accounts {

Result<Session> AccountService::startSession(User user, std::string_view familyId, const events::Origin& origin,
                                             std::span<events::Event> events) {
  // Only while the password just checked is still the user's: a change or reset that committed meanwhile wins.
  auto rt = refresh_.issue(user.id, familyId, events, origin, user.passwordHash);
  if (!rt) return fail(rt.error());
  std::string access = access_.issue(user.id, user.email, rt->familyId);
  return Session{std::move(user), std::move(access), std::move(rt->token)};
}

void AccountService::recordFailure(const std::optional<std::string>& userId, Code reason,
                                   const events::Origin& origin) {
  auto e = audit::loginFailed(userId, codeName(reason), origin);
  if (auto s = failures_.write(e); !s) {
    spdlog::warn("a failed login's audit event was not written: {} {}", codeName(s.error().code), s.error().message);
  }
}

void AccountService::upgradeHash(User& user, std::string_view password) {
  auto fresh = hasher_.hash(password);
  if (!fresh) {
    spdlog::warn("user {}: an imported password hash was not replaced: {}", user.id, fresh.error().message);
    return;
  }
  auto replaced = users_.upgradePasswordHash(user.id, user.passwordHash, *fresh);
  if (!replaced) {
    // The login goes on with the old hash, which is still the user's; the next one tries again.
    spdlog::warn("user {}: an imported password hash was not replaced: {} {}", user.id, codeName(replaced.error().code),
                 replaced.error().message);
    return;
  }
  if (*replaced) {
    user.passwordHash = std::move(*fresh);
    return;
  }
  // Not replaced: the hash changed since the check. Either a concurrent login of the same user upgraded it first (its
  // argon2id hash of this same password: the session goes on with it), or a password change or reset committed (the
  // stored hash no longer matches this password, and the session is refused for the hash it checked).
  auto now = users_.findById(user.id);
  if (!now || !*now) return;
  if ((*now)->passwordHash != user.passwordHash && !hasher_.needsRehash((*now)->passwordHash) &&
      hasher_.verify((*now)->passwordHash, password)) {
    user.passwordHash = (*now)->passwordHash;
  }
}

Result<Session> AccountService::signup(const SignupRequest& req, const events::Origin& origin) {
  auto hash = hasher_.hash(req.password);
  if (!hash) return fail(hash.error());
  auto user = users_.create(req.email, req.name, *hash, origin);
  if (!user) return fail(user.error());
  return startSession(std::move(*user), {}, origin);
}

Result<Session> AccountService::login(const LoginRequest& req, const events::Origin& origin) {
  const std::string& clientAddress = origin.clientAddress;
  // An email signup would refuse is no account: it is throttled under its own (trimmed) text,
  // costs one argon2 verification like any unknown email, and is answered the same.
  const std::optional<std::string> email = normalizeEmail(req.email);
  const std::string throttleKey = email ? *email : std::string(text::trim(req.email));
  // Counted before the password is checked, so concurrent guesses cannot overrun the limit.
  if (auto admitted = throttle_.admit(throttleKey, clientAddress); !admitted) return fail(admitted.error());
  std::optional<User> user;
  if (email) {
    auto found = users_.findByEmail(*email);
    if (!found) {
      throttle_.abandoned(throttleKey, clientAddress);
      return fail(found.error());
    }
    user = std::move(*found);
  }
  // An unknown email costs one argon2 verification too, so timing says nothing.
  const bool ok = user ? hasher_.verify(user->passwordHash, req.password) : (hasher_.verifyDummy(req.password), false);
  if (!ok) {
    recordFailure(user ? std::optional(user->id) : std::nullopt, Code::kInvalidCredentials, origin);
    return fail(Code::kInvalidCredentials);
  }
  throttle_.succeeded(throttleKey, clientAddress);
  if (!user->isActive) {
    recordFailure(user->id, Code::kUserInactive, origin);
    return fail(Code::kUserInactive);
  }
  if (hasher_.needsRehash(user->passwordHash)) upgradeHash(*user, req.password);
  // The session's id is chosen here so that the login's event, written with the session, can name it.
  const std::string familyId = crypto::uuidV4();
  events::Event loggedIn = audit::login(*user, familyId, origin);
  return startSession(std::move(*user), familyId, origin, std::span(&loggedIn, 1));
}

Result<Session> AccountService::refresh(std::string_view refreshToken) {
  auto rotated = refresh_.rotate(refreshToken);
  if (!rotated) return fail(rotated.error());
  auto user = users_.findById(rotated->userId);
  if (!user) return fail(user.error());
  if (!*user || !(*user)->isActive) {
    (void)refresh_.revokeFamilyOf(rotated->next.token);
    return fail(*user ? Code::kUserInactive : Code::kInvalidRefreshToken);
  }
  std::string access = access_.issue((*user)->id, (*user)->email, rotated->next.familyId);
  return Session{std::move(**user), std::move(access), std::move(rotated->next.token)};
}

Status AccountService::logout(const tokens::AccessClaims& claims, const std::optional<std::string>& refreshToken,
                              const events::Origin& origin) {
  events::Event loggedOut = audit::logout(events::Context::user(claims.sub, origin), claims.sid);
  if (auto s = revoker_.revoke(claims.jti, claims.sub, claims.exp, loggedOut); !s) return s;
  if (!claims.sid.empty() && crypto::isUuid(claims.sid)) {
    if (auto s = refresh_.revokeFamily(claims.sid); !s) return s;
  }
  if (refreshToken) return refresh_.revokeFamilyOf(*refreshToken, claims.sub);
  return {};
}

Result<User> AccountService::me(std::string_view userId) {
  auto user = users_.findById(userId);
  if (!user) return fail(user.error());
  if (!*user) return fail(Code::kInvalidToken);
  if (!(*user)->isActive) return fail(Code::kUserInactive);
  return std::move(**user);
}

}  // namespace authd::accounts
