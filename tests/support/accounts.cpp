#include "support/accounts.hpp"

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/api.hpp"

namespace authd::testing {

using nlohmann::json;

std::string uniqueEmail(std::string_view prefix) {
  return std::string(prefix) + "-" + crypto::toHex(crypto::randomBytes(6)) + "@example.com";
}

std::optional<HttpResult> signupRequest(uint16_t port, const std::string& email, std::string_view password,
                                        std::string_view name) {
  return postJson(port, "/auth/signup", {{"email", email}, {"password", password}, {"name", name}});
}

Account accountFrom(const HttpResult& session, const std::string& email) {
  const json j = session.json();
  return {email, j["user"]["id"].get<std::string>(), j["accessToken"].get<std::string>(),
          j["refreshToken"].get<std::string>()};
}

Account signup(uint16_t port, std::string_view emailPrefix, std::string_view password) {
  const std::string email = uniqueEmail(emailPrefix);
  const auto r = signupRequest(port, email, password);
  EXPECT_TRUE(r && r->status == 201) << "signup of " << email << " on port " << port << ": " << describe(r);
  if (!r || r->status != 201) return {};
  return accountFrom(*r, email);
}

std::optional<HttpResult> login(uint16_t port, const std::string& email, std::string_view password) {
  return postJson(port, "/auth/login", {{"email", email}, {"password", password}});
}

std::optional<HttpResult> refresh(uint16_t port, const std::string& refreshToken) {
  return postJson(port, "/auth/refresh", {{"refreshToken", refreshToken}});
}

std::optional<HttpResult> me(uint16_t port, const std::string& accessToken) {
  return get(port, "/auth/me", bearer(accessToken));
}

Key createKey(uint16_t port, const Account& a, const json& body) {
  const auto r = postJson(port, "/keys/create", body, bearer(a.accessToken));
  EXPECT_TRUE(r && r->status == 201) << "create key on port " << port << ": " << describe(r);
  if (!r || r->status != 201) return {};
  const json j = r->json();
  EXPECT_TRUE(keys::isWellFormedKey(j.value("key", ""))) << *r;
  return {j.value("id", ""), j.value("key", ""), j};
}

Key createKnownKey(uint16_t port, const Account& a, const json& body) {
  Key k = createKey(port, a, body);
  if (!k.key.empty()) {
    EXPECT_TRUE(knownEverywhere(k.key)) << "a new key is still unknown to an instance after 2 s";
  }
  return k;
}

std::string hs256Token(std::string_view headerJson, std::string_view payloadJson, const std::string& secret,
                       bool sign) {
  const std::string input = crypto::base64UrlEncode(headerJson) + "." + crypto::base64UrlEncode(payloadJson);
  if (!sign) return input + ".";
  const auto mac = crypto::hmacSha256(secret, input);
  return input + "." + crypto::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

}  // namespace authd::testing
