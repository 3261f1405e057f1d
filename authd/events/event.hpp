// Events: what every change records in the audit log (in the change's own
// transaction, see sql/006_events.sql) and what webhooks deliver. Domain rooms
// build them; store/pg writes them; http and the delivery worker render them.
// Never a secret, key or token in an event.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace authd::events {

// SPEC.md "Events": every type authd writes, and `webhook.test` (POST /webhooks/:id/test, delivered to that
// endpoint only and kept out of GET /audit).
namespace type {
inline constexpr std::string_view kUserSignup = "user.signup";
inline constexpr std::string_view kUserLogin = "user.login";
inline constexpr std::string_view kUserLoginFailed = "user.login_failed";
inline constexpr std::string_view kUserLogout = "user.logout";
inline constexpr std::string_view kUserPasswordChanged = "user.password_changed";
inline constexpr std::string_view kUserPasswordResetRequested = "user.password_reset_requested";
inline constexpr std::string_view kUserDeactivated = "user.deactivated";
inline constexpr std::string_view kUserActivated = "user.activated";
inline constexpr std::string_view kUserRateLimitChanged = "user.rate_limit_changed";
inline constexpr std::string_view kSessionRevoked = "session.revoked";
inline constexpr std::string_view kKeyCreated = "key.created";
inline constexpr std::string_view kKeyUpdated = "key.updated";
inline constexpr std::string_view kKeyRotated = "key.rotated";
inline constexpr std::string_view kKeyEnabled = "key.enabled";
inline constexpr std::string_view kKeyDisabled = "key.disabled";
inline constexpr std::string_view kKeyLeaked = "key.leaked";
inline constexpr std::string_view kKeyRevoked = "key.revoked";
inline constexpr std::string_view kKeyExpiring = "key.expiring";
inline constexpr std::string_view kKeyExpired = "key.expired";
inline constexpr std::string_view kKeyCreditsExhausted = "key.credits_exhausted";
inline constexpr std::string_view kWebhookCreated = "webhook.created";
inline constexpr std::string_view kWebhookDeleted = "webhook.deleted";
inline constexpr std::string_view kWebhookTest = "webhook.test";
}  // namespace type

// The types an endpoint may subscribe to (every one above but webhook.test), in SPEC.md's order.
std::span<const std::string_view> subscribableTypes();
bool isSubscribableType(std::string_view type);
// Types only operator endpoints receive (a user's endpoints never get them): user.password_reset_requested.
bool isOperatorOnlyType(std::string_view type);

enum class ActorKind { kUser, kKey, kOperator, kSystem };
std::string_view actorKindName(ActorKind k);  // "user", "key", "operator", "system"
std::optional<ActorKind> parseActorKind(std::string_view name);

// Who made the change: a user (by JWT), a key (a leak report), the operator (authd admin), or authd itself.
struct Actor {
  ActorKind kind = ActorKind::kSystem;
  std::string id;  // the user's or key's id; empty for the operator and the system
};

// Where the change came from, when it came by HTTP.
struct Origin {
  std::string clientAddress;  // empty when unknown
  std::string userAgent;      // at most kMaxUserAgent bytes of the request's User-Agent; empty when none
};
inline constexpr size_t kMaxUserAgent = 512;
// `o` as events store it: each field at most kMaxUserAgent bytes of printable UTF-8 (anything else becomes U+FFFD),
// so it fits a text column (a session's row keeps the login's origin too).
Origin printable(const Origin& o);

// What a service call is told about its caller, to record with the change.
struct Context {
  Actor actor;
  Origin origin;
  static Context system() { return {}; }
  // The operator, by `authd admin` (no id, no address).
  static Context operatorCli() { return {Actor{ActorKind::kOperator, {}}, {}}; }
  static Context user(std::string userId, Origin origin = {}) {
    return {Actor{ActorKind::kUser, std::move(userId)}, std::move(origin)};
  }
};

// One event as written and as read back.
struct Event {
  std::string id;      // a UUID; set by the store when written
  int64_t seq = 0;     // the log's order; set by the store
  std::string type;    // one of type::
  SysTime at{};        // set by the store (the transaction's clock) when written
  std::string userId;  // whose log it is in; empty: no account's (only operator endpoints get it)
  Actor actor;
  std::string targetType;  // "user", "key", "webhook"
  std::string targetId;
  Origin origin;
  std::string data = "{}";  // a JSON object's text: the type's details (never a secret)
};

// A new event (id, seq and at are the store's).
Event make(std::string_view type, std::string userId, const Context& ctx, std::string_view targetType,
           std::string targetId, std::string data = "{}");

// The event as GET /audit shows it and webhooks carry it as `data`:
// {id, type, at, actor:{type,id}, target:{type,id}, clientAddress, userAgent, data}. A `sealedToken` in the data
// (user.password_reset_requested's, see events/sealed_token.hpp) is never rendered.
std::string toJson(const Event& e);

}  // namespace authd::events
