#include "events/signature.hpp"

#include "core/crypto.hpp"

namespace authd::events {

std::string newWebhookSecret() { return std::string(kSecretPrefix) + crypto::base64Encode(crypto::randomBytes(32)); }

std::optional<std::string> webhookSecretKey(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  auto key = crypto::base64Decode(secret);
  if (!key || key->size() < 16) return std::nullopt;
  return key;
}

std::string signWebhook(std::string_view key, std::string_view messageId, int64_t timestampSeconds,
                        std::string_view body) {
  std::string content;
  content.reserve(messageId.size() + body.size() + 24);
  content.append(messageId).push_back('.');
  content.append(std::to_string(timestampSeconds)).push_back('.');
  content.append(body);
  const auto mac = crypto::hmacSha256(key, content);
  return "v1," + crypto::base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

}  // namespace authd::events
