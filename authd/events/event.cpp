#include "events/event.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "core/time_format.hpp"

namespace authd::events {
namespace {

constexpr std::array<std::string_view, 22> kSubscribable{
    type::kUserSignup,      type::kUserLogin,           type::kUserLoginFailed,
    type::kUserLogout,      type::kUserPasswordChanged, type::kUserPasswordResetRequested,
    type::kUserDeactivated, type::kUserActivated,       type::kUserRateLimitChanged,
    type::kSessionRevoked,  type::kKeyCreated,          type::kKeyUpdated,
    type::kKeyRotated,      type::kKeyEnabled,          type::kKeyDisabled,
    type::kKeyLeaked,       type::kKeyRevoked,          type::kKeyExpiring,
    type::kKeyExpired,      type::kKeyCreditsExhausted, type::kWebhookCreated,
    type::kWebhookDeleted,
};

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF), and its code point; 0 when it is not one.
size_t utf8Sequence(std::string_view s, char32_t& cp) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  size_t n = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

// `s` as text PostgreSQL stores and JSON carries, at most `max` bytes: every byte that is not part of well-formed
// UTF-8, and every control character (C0, DEL, C1; NUL included, which a text column refuses), becomes U+FFFD;
// never a sequence cut in two.
std::string printableUtf8(std::string_view s, size_t max) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(s.size(), max));
  while (!s.empty()) {
    char32_t cp = 0;
    size_t n = utf8Sequence(s, cp);
    const bool control = n > 0 && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F));
    const std::string_view piece = n == 0 || control ? kReplacement : s.substr(0, n);
    if (out.size() + piece.size() > max) break;
    out.append(piece);
    s.remove_prefix(n == 0 ? 1 : n);
  }
  return out;
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

Origin printable(const Origin& o) {
  return {printableUtf8(o.clientAddress, kMaxUserAgent), printableUtf8(o.userAgent, kMaxUserAgent)};
}

Event make(std::string_view type, std::string userId, const Context& ctx, std::string_view targetType,
           std::string targetId, std::string data) {
  Event e;
  e.type = std::string(type);
  e.userId = std::move(userId);
  e.actor = ctx.actor;
  e.targetType = std::string(targetType);
  e.targetId = std::move(targetId);
  e.origin.userAgent = printableUtf8(ctx.origin.userAgent, kMaxUserAgent);
  e.origin.clientAddress = printableUtf8(ctx.origin.clientAddress, kMaxUserAgent);
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
  if (data.is_object()) data.erase("sealedToken");
  j["data"] = data.is_object() ? std::move(data) : nlohmann::json::object();
  // Invalid UTF-8 in a stored user agent must not make the whole page fail.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace authd::events
