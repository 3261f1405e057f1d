// The key lifecycle routes (GET and PATCH /keys/:id, rotation, leak reports) as
// clients call them through nginx, and the test stack's routes pinned to one
// authd instance (/pinned/N/…, tests/e2e/nginx/pinned-*.conf.in), for e2e
// tests that change a key through one instance and watch another verify it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "support/accounts.hpp"
#include "support/http_client.hpp"

namespace authd::testing {

// "/pinned/N" for authd instance n alone; "" (nginx's shared upstream) for n == 0.
std::string pinnedPrefix(int n);

// GET /keys/:id, PATCH /keys/:id and POST /keys/:id/rotate as the account, through nginx; on instance n alone when
// n > 0. `rawBody` is sent as it is (Content-Type: application/json).
std::optional<HttpResult> getKey(const Account& a, std::string_view id, int n = 0);
std::optional<HttpResult> patchKey(const Account& a, std::string_view id, const nlohmann::json& body, int n = 0);
std::optional<HttpResult> patchKeyRaw(const Account& a, std::string_view id, std::string_view rawBody, int n = 0);
std::optional<HttpResult> rotateKey(const Account& a, std::string_view id, const nlohmann::json& body, int n = 0);

// GET /keys/:id/usage<query> (query e.g. "?granularity=minute&from=...", "" for none) as the account, through nginx;
// on instance n alone when n > 0. GET /usage<query> likewise, through nginx's shared upstream.
std::optional<HttpResult> getKeyUsage(const Account& a, std::string_view id, std::string_view query, int n = 0);
std::optional<HttpResult> getUsage(const Account& a, std::string_view query);

// GET /keys as the account through nginx: the array, or a discarded value (and a failed test) unless 200.
nlohmann::json listKeys(const Account& a);

// POST /keys/report-leak through nginx, with no JWT, from the loopback address `source` (see requestFrom):
// the key in x-api-key when `headerKey` is set, and `rawBody` (JSON) when not empty.
std::optional<HttpResult> reportLeak(const std::string& source, const std::optional<std::string>& headerKey,
                                     std::string_view rawBody = "");

// A random loopback address 127.x.y.z (not 127.0.0.1): one per test, so per-address limits never mix tests.
std::string uniqueLoopbackAddress();

// GET /pinned/n/<route> (service-only or reports) with the key in x-api-key: verified by instance n alone.
std::optional<HttpResult> viaInstance(int n, std::string_view route, const std::string& key);

// A well-formed key ("sk_" + 56 random hex + the CRC32 of the rest) that was never issued.
std::string unknownWellFormedKey();

// A key object as GET /keys lists it: every field of SPEC.md's key lifecycle, of the right JSON type.
::testing::AssertionResult isKeyObject(const nlohmann::json& k);

// 400 validation_failed with the JSON error shape, one of whose messages (the `message` or `details` array)
// names `field` ("" checks none).
::testing::AssertionResult isValidationError(const std::optional<HttpResult>& r, std::string_view field);

// A 4xx with the JSON error shape and this status and code.
::testing::AssertionResult isError(const std::optional<HttpResult>& r, int status, std::string_view code);

}  // namespace authd::testing
