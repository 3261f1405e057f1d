// Standard Webhooks signing (https://www.standardwebhooks.com): a secret is
// "whsec_" + base64 of random bytes; a message is signed as
// HMAC-SHA256(secret bytes, "<webhook-id>.<webhook-timestamp>.<body>") and sent
// as `webhook-signature: v1,<base64>`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authd::events {

inline constexpr std::string_view kSecretPrefix = "whsec_";

// A new secret: "whsec_" + base64 of 32 bytes from the CSPRNG.
std::string newWebhookSecret();
// The key bytes of a secret ("whsec_" + base64, or bare base64); nullopt when it is not one, or shorter than
// 16 bytes.
std::optional<std::string> webhookSecretKey(std::string_view secret);
// The `webhook-signature` value for a message: "v1,<base64 HMAC-SHA256>".
std::string signWebhook(std::string_view key, std::string_view messageId, int64_t timestampSeconds,
                        std::string_view body);

}  // namespace authd::events
