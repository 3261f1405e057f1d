#include "events/webhook_message.hpp"

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"
#include "events/signature.hpp"

namespace authd::events {

std::string webhookBody(const Event& e) {
  nlohmann::json body{{"type", e.type}, {"timestamp", formatIso8601(e.at)}};
  body["data"] = nlohmann::json::parse(toJson(e));
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::pair<std::string, std::string>> webhookHeaders(std::string_view key, std::string_view messageId,
                                                                int64_t timestampSeconds, std::string_view body) {
  return {
      {"Content-Type", "application/json"},
      {"User-Agent", std::string(kWebhookUserAgent)},
      {"webhook-id", std::string(messageId)},
      {"webhook-timestamp", std::to_string(timestampSeconds)},
      {"webhook-signature", signWebhook(key, messageId, timestampSeconds, body)},
  };
}

}  // namespace authd::events
