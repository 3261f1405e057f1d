// Small helpers over authd's HTTP API shared by integration and end-to-end tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "support/http_client.hpp"

namespace authd::testing {

// `Authorization: Bearer <token>` and `x-api-key: <key>` as request headers.
Headers bearer(const std::string& token);
Headers apiKey(const std::string& key);

// A response (status and body) or why there was none, for failure messages.
std::string describe(const std::optional<HttpResult>& r);

// Milliseconds since `t`.
int64_t msSince(std::chrono::steady_clock::time_point t);

// GET /readyz on `port` answers 200.
bool readyOn(uint16_t port);

// Waits (up to 2 s per instance) until both authd instances find `key`: a probe asking for a
// scope no key has is answered insufficient_scope once the key is found, before any rate-limit
// count or lastUsed record. Tests about other things use it so they never depend on timing.
bool knownEverywhere(const std::string& key);

}  // namespace authd::testing
