#include "events/expiry.hpp"

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"

namespace authd::events {

std::string_view thresholdName(ExpiryThreshold t) {
  switch (t) {
    case ExpiryThreshold::kSevenDays: return "7d";
    case ExpiryThreshold::kOneDay: return "1d";
    case ExpiryThreshold::kExpired: return "expired";
  }
  return "expired";
}

std::optional<ExpiryThreshold> parseThreshold(std::string_view name) {
  for (const auto t : {ExpiryThreshold::kSevenDays, ExpiryThreshold::kOneDay, ExpiryThreshold::kExpired}) {
    if (thresholdName(t) == name) return t;
  }
  return std::nullopt;
}

Event expiryEvent(ExpiryThreshold t, std::string userId, std::string keyId, SysTime expiresAt) {
  nlohmann::json data = nlohmann::json::object();
  if (t != ExpiryThreshold::kExpired) data["threshold"] = thresholdName(t);
  data["expiresAt"] = formatIso8601(expiresAt);
  return make(t == ExpiryThreshold::kExpired ? type::kKeyExpired : type::kKeyExpiring, std::move(userId),
              Context::system(), "key", std::move(keyId), data.dump());
}

}  // namespace authd::events
