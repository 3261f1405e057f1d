#include "events/secret_box.hpp"

#include "core/crypto.hpp"

namespace authd::events {
namespace {
constexpr std::string_view kVersion = "v1:";
}

SecretBox::SecretBox(std::string_view keyMaterial) {
  const auto k = crypto::hmacSha256(keyMaterial, "authd webhook secrets v1");
  key_.assign(reinterpret_cast<const char*>(k.data()), k.size());
}

std::string SecretBox::seal(std::string_view secret, std::string_view webhookId) const {
  return std::string(kVersion) + crypto::base64Encode(crypto::aeadSeal(key_, secret, webhookId));
}

std::optional<std::string> SecretBox::open(std::string_view stored, std::string_view webhookId) const {
  if (!stored.starts_with(kVersion)) return std::nullopt;
  const auto raw = crypto::base64Decode(stored.substr(kVersion.size()));
  if (!raw) return std::nullopt;
  return crypto::aeadOpen(key_, *raw, webhookId);
}

}  // namespace authd::events
