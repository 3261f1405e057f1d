// Webhook signing secrets at rest: authd must sign with them, so they cannot be
// stored hashed; they are stored sealed (AES-256-GCM) under a key derived from
// WEBHOOK_SECRETS_KEY (or JWT_SECRET when that is not set), bound to their
// endpoint's id so a sealed secret copied to another row does not open.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authd::events {

class SecretBox {
 public:
  // `keyMaterial`: WEBHOOK_SECRETS_KEY, or JWT_SECRET; the AES key is HMAC-SHA256(keyMaterial, a fixed label).
  explicit SecretBox(std::string_view keyMaterial);
  // "v1:" + base64(nonce || ciphertext || tag) of `secret`, bound to `webhookId`.
  std::string seal(std::string_view secret, std::string_view webhookId) const;
  // The secret, or nullopt when `stored` was not sealed for `webhookId` under this key.
  std::optional<std::string> open(std::string_view stored, std::string_view webhookId) const;

 private:
  std::string key_;
};

}  // namespace authd::events
