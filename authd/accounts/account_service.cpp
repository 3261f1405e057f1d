#include "accounts/account_service.hpp"

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace authd::accounts {

Result<Session> AccountService::startSession(User user, std::string_view familyId) {
  auto rt = refresh_.issue(user.id, familyId);
  if (!rt) return fail(rt.error());
  std::string access = access_.issue(user.id, user.email, rt->familyId);
  return Session{std::move(user), std::move(access), std::move(rt->token)};
}

Result<Session> AccountService::signup(const SignupRequest& req) {
  auto hash = hasher_.hash(req.password);
  if (!hash) return fail(hash.error());
  auto user = users_.create(req.email, req.name, *hash);
  if (!user) return fail(user.error());
  return startSession(std::move(*user), {});
}

Result<Session> AccountService::login(const LoginRequest& req, std::string_view clientAddress) {
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
  if (!ok) return fail(Code::kInvalidCredentials);
  throttle_.succeeded(throttleKey, clientAddress);
  if (!user->isActive) return fail(Code::kUserInactive);
  return startSession(std::move(*user), {});
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

Status AccountService::logout(const tokens::AccessClaims& claims, const std::optional<std::string>& refreshToken) {
  if (auto s = revoker_.revoke(claims.jti, claims.sub, claims.exp); !s) return s;
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
