// Validation of the webhook routes' input: the POST /webhooks body and the
// deliveries page size. One kValidationFailed Error lists every problem of a
// body at once; the URL itself is checked by events/webhook_url.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace authd::events {

inline constexpr int64_t kDefaultDeliveriesLimit = 50;
inline constexpr int64_t kMaxDeliveriesLimit = 100;

struct CreateWebhookRequest {
  std::string url;                  // not yet checked (WebhookService does)
  std::vector<std::string> events;  // subscribable types, de-duplicated in first-seen order; empty = every type
};

// {url, events?}: url a string, events (optional, null = absent) an array of subscribable event types; no other
// field.
Result<CreateWebhookRequest> parseCreateWebhookRequest(const nlohmann::json& body);

// ?limit= of GET /webhooks/:id/deliveries: absent = kDefaultDeliveriesLimit, else a whole number 1..kMax.
Result<int64_t> parseDeliveriesLimit(std::optional<std::string_view> limit);

}  // namespace authd::events
