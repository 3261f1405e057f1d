#include "accounts/password_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "accounts/account_audit.hpp"
#include "core/crypto.hpp"
#include "events/sealed_token.hpp"

namespace authd::accounts {
namespace {

constexpr size_t kResetRandomBytes = 32;
constexpr size_t kResetEncodedBytes = 43;  // unpadded base64url of 32 bytes

}  // namespace

std::string PasswordService::hashResetToken(std::string_view token) { return crypto::sha256Hex(token); }

bool PasswordService::isWellFormedResetToken(std::string_view token) {
  if (token.size() != kResetTokenPrefix.size() + kResetEncodedBytes || !token.starts_with(kResetTokenPrefix)) {
    return false;
  }
  const auto raw = crypto::base64UrlDecode(token.substr(kResetTokenPrefix.size()));
  return raw && raw->size() == kResetRandomBytes;
}

Status PasswordService::change(const tokens::AccessClaims& caller, const ChangePasswordRequest& req,
                               const events::Origin& origin) {
  auto found = users_.findById(caller.sub);
  if (!found) return fail(std::move(found.error()));
  if (!*found) return fail(Code::kInvalidToken);
  const User& user = **found;
  if (!user.isActive) return fail(Code::kUserInactive);
  // The login throttle's key for this account: a guess here costs what a guess at login does.
  const std::string throttleKey = normalizeEmail(user.email).value_or(user.email);
  if (auto admitted = throttle_.admit(throttleKey, origin.clientAddress); !admitted) return admitted;
  if (!hasher_.verify(user.passwordHash, req.currentPassword)) return fail(Code::kInvalidCredentials);
  throttle_.succeeded(throttleKey, origin.clientAddress);
  auto hash = hasher_.hash(req.newPassword);
  if (!hash) return fail(std::move(hash.error()));
  return sessions_.changePassword(user.id, *hash, caller.sid, events::Context::user(user.id, origin), "change");
}

Status PasswordService::admitResetCall(const events::Origin& origin) {
  const auto counted = counter_.increment("reset:" + origin.clientAddress, settings_.window);
  if (!counted) {
    // Like leak reports: unthrottled while Redis is down rather than no resets at all.
    spdlog::warn("password resets: the counter is unreachable; not throttling");
    return {};
  }
  if (counted->count > settings_.limitPerAddress) {
    Error e(Code::kTooManyRequests, "Too many password reset requests; try again later");
    e.retryAfterSeconds = static_cast<int>(std::max<int64_t>(1, counted->resetsInSeconds));
    return fail(std::move(e));
  }
  return {};
}

Status PasswordService::requestReset(std::string_view normalizedEmail, const events::Origin& origin) {
  if (auto admitted = admitResetCall(origin); !admitted) return admitted;
  // Everything below is done whether or not the email is an account's: the token, its hash and its seal, then one
  // statement that stores them only for an active user.
  const std::string token =
      std::string(kResetTokenPrefix) + crypto::base64UrlEncode(crypto::randomBytes(kResetRandomBytes));
  ResetRequestRow row;
  row.normalizedEmail = std::string(normalizedEmail);
  row.resetId = crypto::uuidV4();
  row.tokenHash = hashResetToken(token);
  row.expiresAt = clock_.now() + settings_.ttl;
  row.event = audit::passwordResetRequested(row.resetId, row.expiresAt,
                                            box_.seal(token, events::resetTokenBinding(row.resetId)), origin);
  return sessions_.requestReset(row);
}

Status PasswordService::confirmReset(const ResetConfirmRequest& req, const events::Origin& origin) {
  if (auto admitted = admitResetCall(origin); !admitted) return admitted;
  if (!isWellFormedResetToken(req.token)) return fail(Code::kInvalidResetToken);
  auto hash = hasher_.hash(req.newPassword);
  if (!hash) return fail(std::move(hash.error()));
  auto user = sessions_.confirmReset(hashResetToken(req.token), *hash, origin);
  if (!user) return fail(std::move(user.error()));
  if (!*user) return fail(Code::kInvalidResetToken);
  return {};
}

}  // namespace authd::accounts
