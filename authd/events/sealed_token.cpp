#include "events/sealed_token.hpp"

#include <nlohmann/json.hpp>

namespace authd::events {

std::string resetTokenBinding(std::string_view resetId) { return "password_reset:" + std::string(resetId); }

Event openSealedToken(const Event& e, const SecretBox& box) {
  // Only the event that carries one: no other event's data is ever read for a seal.
  if (e.type != type::kUserPasswordResetRequested || e.data.find("sealedToken") == std::string::npos) return e;
  auto data = nlohmann::json::parse(e.data, nullptr, false);
  if (!data.is_object()) return e;
  const auto sealed = data.find("sealedToken");
  const auto resetId = data.find("resetId");
  if (sealed == data.end() || !sealed->is_string() || resetId == data.end() || !resetId->is_string()) return e;
  const auto token = box.open(sealed->get<std::string>(), resetTokenBinding(resetId->get<std::string>()));
  data.erase("sealedToken");
  data["token"] = token ? nlohmann::json(*token) : nlohmann::json(nullptr);
  Event out = e;
  out.data = data.dump();
  return out;
}

}  // namespace authd::events
