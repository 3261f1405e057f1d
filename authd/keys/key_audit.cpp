#include "keys/key_audit.hpp"

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"

namespace authd::keys::audit {
namespace {

using nlohmann::json;

constexpr std::string_view kKey = "key";

bool sameLimit(const std::optional<RateLimit>& a, const std::optional<RateLimit>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->limit == b->limit && a->windowSeconds == b->windowSeconds);
}

events::Event keyEvent(std::string_view type, const KeyRecord& key, const events::Context& ctx, const json& data) {
  return events::make(type, key.userId, ctx, kKey, key.id, data.dump());
}

json nameAndPrefix(const KeyRecord& key) { return {{"name", key.name}, {"prefix", key.prefix}}; }

}  // namespace

events::Event created(const KeyRecord& key, const events::Context& ctx) {
  return keyEvent(events::type::kKeyCreated, key, ctx,
                  {{"name", key.name}, {"prefix", key.prefix}, {"scopes", key.scopes}});
}

std::vector<events::Event> updated(const KeyRecord& before, const KeyRecord& after, const KeyPatch& patch,
                                   const events::Context& ctx) {
  std::vector<std::string> fields;
  if (before.name != after.name) fields.emplace_back("name");
  if (before.scopes != after.scopes) fields.emplace_back("scopes");
  if (!sameLimit(before.rateLimit, after.rateLimit)) fields.emplace_back("rateLimit");
  if (before.metadata != after.metadata) fields.emplace_back("metadata");
  if (before.expiresAt != after.expiresAt) fields.emplace_back("expiresAt");
  if (patch.credits) fields.emplace_back("credits");
  std::vector<events::Event> out;
  if (!fields.empty()) out.push_back(keyEvent(events::type::kKeyUpdated, after, ctx, {{"fields", fields}}));
  // Disabled, or (by the operator) disabled for another reason than before.
  if (!after.enabled && (before.enabled || before.disabledReason != after.disabledReason)) {
    const auto reason = after.disabledReason.value_or(DisabledReason::kUser);
    out.push_back(keyEvent(events::type::kKeyDisabled, after, ctx, {{"reason", reasonName(reason)}}));
  } else if (!before.enabled && after.enabled) {
    out.push_back(keyEvent(events::type::kKeyEnabled, after, ctx, json::object()));
  }
  return out;
}

events::Event rotated(const KeyRecord& old, const KeyRecord& successor, SysTime oldExpiresAt,
                      const events::Context& ctx) {
  return keyEvent(events::type::kKeyRotated, old, ctx,
                  {{"successorId", successor.id}, {"expiresAt", formatIso8601(oldExpiresAt)}});
}

std::optional<events::Event> revoked(const KeyRecord& before, const events::Context& ctx) {
  if (!before.isActive) return std::nullopt;
  return keyEvent(events::type::kKeyRevoked, before, ctx, nameAndPrefix(before));
}

std::optional<events::Event> leaked(const KeyRecord& before, const events::Origin& origin) {
  if (!before.isActive || (!before.enabled && before.disabledReason == DisabledReason::kLeaked)) return std::nullopt;
  const events::Context ctx{events::Actor{events::ActorKind::kKey, before.id}, origin};
  return keyEvent(events::type::kKeyLeaked, before, ctx, nameAndPrefix(before));
}

events::Event creditsExhausted(const std::string& keyId, const std::string& userId, int64_t period) {
  const json data{{"periodStart", period > 0 ? json(formatIso8601(fromUnixMillis(period * 1000))) : json(nullptr)}};
  return events::make(events::type::kKeyCreditsExhausted, userId, events::Context::system(), kKey, keyId, data.dump());
}

}  // namespace authd::keys::audit
