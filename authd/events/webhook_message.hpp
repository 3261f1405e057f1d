// What a webhook attempt carries (Standard Webhooks): the body
// {type, timestamp, data} with the event as GET /audit shows it in `data`, and
// the headers webhook-id (the event's id, the same on every retry, so a receiver
// can drop duplicates), webhook-timestamp (the attempt's unix seconds) and
// webhook-signature.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/event.hpp"

namespace authd::events {

inline constexpr std::string_view kWebhookUserAgent = "authd-webhooks/1";

// {"type": e.type, "timestamp": e.at (RFC 3339), "data": toJson(e)}.
std::string webhookBody(const Event& e);

// Every header of an attempt: Content-Type, User-Agent, webhook-id, webhook-timestamp, webhook-signature
// (signed with `key`, the secret's key bytes from webhookSecretKey()).
std::vector<std::pair<std::string, std::string>> webhookHeaders(std::string_view key, std::string_view messageId,
                                                                int64_t timestampSeconds, std::string_view body);

}  // namespace authd::events
