// Accounts, keys and hand-made tokens for integration and end-to-end tests,
// created through authd's HTTP API as a client would; one definition for
// every suite.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "support/http_client.hpp"

namespace authd::testing {

// The password signup() uses unless told otherwise (valid under authd's rules).
inline constexpr std::string_view kTestPassword = "test-password-123";

// A signed-up user as the signup (or login) answer described it.
struct Account {
  std::string email;
  std::string id;
  std::string accessToken;
  std::string refreshToken;
};

// A key as POST /keys/create answered it.
struct Key {
  std::string id;
  std::string key;         // the secret, shown once
  nlohmann::json created;  // the whole 201 body (rateLimit, scopes, ...)
};

// "<prefix>-<12 random hex>@example.com": a fresh address, so reruns never collide.
std::string uniqueEmail(std::string_view prefix);

// POST /auth/signup with this email, password and name; the raw answer.
std::optional<HttpResult> signupRequest(uint16_t port, const std::string& email, std::string_view password,
                                        std::string_view name = "Test User");

// The Account in a session answer (signup, login, refresh) for `email`.
Account accountFrom(const HttpResult& session, const std::string& email);

// Signs up a fresh user (uniqueEmail(emailPrefix)) on `port`; an empty Account (and a failed test) unless 201.
Account signup(uint16_t port, std::string_view emailPrefix, std::string_view password = kTestPassword);

// POST /auth/login, /auth/refresh; GET /auth/me with the access token.
std::optional<HttpResult> login(uint16_t port, const std::string& email, std::string_view password);
std::optional<HttpResult> refresh(uint16_t port, const std::string& refreshToken);
std::optional<HttpResult> me(uint16_t port, const std::string& accessToken);

// POST /keys/create on `port` for the account; an empty Key (and a failed test) unless 201 with a well-formed key.
Key createKey(uint16_t port, const Account& a, const nlohmann::json& body = {{"name", "test"}});

// createKey, then waits until both instances know the key (see knownEverywhere), failing the test if they do not.
Key createKnownKey(uint16_t port, const Account& a, const nlohmann::json& body = {{"name", "test"}});

// A JWT of exactly this header and payload JSON, signed HS256 with `secret` (or with an empty signature).
std::string hs256Token(std::string_view headerJson, std::string_view payloadJson, const std::string& secret,
                       bool sign = true);

}  // namespace authd::testing
