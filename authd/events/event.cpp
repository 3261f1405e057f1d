#include "events/event.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "core/time_format.hpp"

namespace authd::events {
namespace {

constexpr std::array<std::string_view, 19> kSubscribable{
    type::kUserSignup,     type::kUserLogin,           type::kUserLoginFailed,
    type::kUserLogout,     type::kUserPasswordChanged, type::kUserPasswordResetRequested,
    type::kSessionRevoked, type::kKeyCreated,          type::kKeyUpdated,
    type::kKeyRotated,     type::kKeyEnabled,          type::kKeyDisabled,
    type::kKeyLeaked,      type::kKeyRevoked,          type::kKeyExpiring,
    type::kKeyExpired,     type::kKeyCreditsExhausted, type::kWebhookCreated,
    type::kWebhookDeleted,
};

std::string truncatedUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t n = max;
  // Never cut a UTF-8 sequence in two: back up over continuation bytes.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

}  // namespace

std::span<const std::string_view> subscribableTypes() { return kSubscribable; }

bool isSubscribableType(std::string_view t) {
  return std::find(kSubscribable.begin(), kSubscribable.end(), t) != kSubscribable.end();
}

bool isOperatorOnlyType(std::string_view t) { return t == type::kUserPasswordResetRequested; }

std::string_view actorKindName(ActorKind k) {
  switch (k) {
    case ActorKind::kUser: return "user";
    case ActorKind::kKey: return "key";
    case ActorKind::kOperator: return "operator";
    case ActorKind::kSystem: return "system";
  }
  return "system";
}

std::optional<ActorKind> parseActorKind(std::string_view name) {
  for (const auto k : {ActorKind::kUser, ActorKind::kKey, ActorKind::kOperator, ActorKind::kSystem}) {
    if (actorKindName(k) == name) return k;
  }
  return std::nullopt;
}

Event make(std::string_view type, std::string userId, const Context& ctx, std::string_view targetType,
           std::string targetId, std::string data) {
  Event e;
  e.type = std::string(type);
  e.userId = std::move(userId);
  e.actor = ctx.actor;
  e.targetType = std::string(targetType);
  e.targetId = std::move(targetId);
  e.origin.clientAddress = ctx.origin.clientAddress;
  e.origin.userAgent = truncatedUtf8(ctx.origin.userAgent, kMaxUserAgent);
  e.data = std::move(data);
  return e;
}

std::string toJson(const Event& e) {
  const auto orNull = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  nlohmann::json j{
      {"id", e.id},
      {"type", e.type},
      {"at", formatIso8601(e.at)},
      {"actor", {{"type", actorKindName(e.actor.kind)}, {"id", orNull(e.actor.id)}}},
      {"target", {{"type", e.targetType}, {"id", orNull(e.targetId)}}},
      {"clientAddress", orNull(e.origin.clientAddress)},
      {"userAgent", orNull(e.origin.userAgent)},
  };
  auto data = nlohmann::json::parse(e.data, nullptr, false);
  j["data"] = data.is_object() ? std::move(data) : nlohmann::json::object();
  // Invalid UTF-8 in a stored user agent must not make the whole page fail.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace authd::events
