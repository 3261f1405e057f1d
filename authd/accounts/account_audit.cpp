#include "accounts/account_audit.hpp"

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"

namespace authd::accounts::audit {
namespace {

using nlohmann::json;

constexpr std::string_view kUser = "user";

json orNull(std::string_view s) { return s.empty() ? json(nullptr) : json(s); }

}  // namespace

events::Event signup(const User& user, const events::Origin& origin) {
  return events::make(events::type::kUserSignup, user.id, events::Context::user(user.id, origin), kUser, user.id);
}

events::Event login(const User& user, std::string_view sessionId, const events::Origin& origin) {
  return events::make(events::type::kUserLogin, user.id, events::Context::user(user.id, origin), kUser, user.id,
                      json{{"sessionId", orNull(sessionId)}}.dump());
}

events::Event loginFailed(const std::optional<std::string>& userId, std::string_view reason,
                          const events::Origin& origin) {
  const std::string id = userId.value_or("");
  return events::make(events::type::kUserLoginFailed, id, events::Context::user("", origin), kUser, id,
                      json{{"reason", reason}}.dump());
}

events::Event logout(const events::Context& ctx, std::string_view sessionId) {
  return events::make(events::type::kUserLogout, ctx.actor.id, ctx, kUser, ctx.actor.id,
                      json{{"sessionId", orNull(sessionId)}}.dump());
}

events::Event sessionRevoked(const events::Context& ctx, std::string_view userId, std::string_view sessionId,
                             std::string_view reason) {
  return events::make(events::type::kSessionRevoked, std::string(userId), ctx, "session", std::string(sessionId),
                      json{{"sessionId", sessionId}, {"reason", reason}}.dump());
}

events::Event passwordChanged(const events::Context& ctx, std::string_view userId, std::string_view via) {
  return events::make(events::type::kUserPasswordChanged, std::string(userId), ctx, kUser, std::string(userId),
                      json{{"via", via}}.dump());
}

events::Event passwordResetRequested(std::string_view resetId, SysTime expiresAt, std::string_view sealedToken,
                                     const events::Origin& origin) {
  return events::make(
      events::type::kUserPasswordResetRequested, "", events::Context::user("", origin), kUser, "",
      json{{"resetId", resetId}, {"expiresAt", formatIso8601(expiresAt)}, {"sealedToken", sealedToken}}.dump());
}

events::Event activeChanged(const events::Context& ctx, std::string_view userId, bool active) {
  return events::make(active ? events::type::kUserActivated : events::type::kUserDeactivated, std::string(userId), ctx,
                      kUser, std::string(userId));
}

events::Event rateLimitChanged(const events::Context& ctx, std::string_view userId,
                               const std::optional<UserRateOverride>& limit) {
  const json rate = limit ? json{{"limit", limit->limit}, {"windowSeconds", limit->windowSeconds}} : json(nullptr);
  return events::make(events::type::kUserRateLimitChanged, std::string(userId), ctx, kUser, std::string(userId),
                      json{{"rateLimit", rate}}.dump());
}

}  // namespace authd::accounts::audit
