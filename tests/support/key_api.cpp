#include "support/key_api.hpp"

#include <zlib.h>

#include <cstdio>
#include <random>

#include "core/crypto.hpp"
#include "support/api.hpp"
#include "support/matchers.hpp"
#include "support/test_env.hpp"

namespace authd::testing {

using nlohmann::json;

namespace {

Headers jsonAs(const Account& a) {
  Headers h = bearer(a.accessToken);
  h.emplace_back("Content-Type", "application/json");
  return h;
}

std::string keyPath(std::string_view id, int n) { return pinnedPrefix(n) + "/keys/" + std::string(id); }

}  // namespace

std::string pinnedPrefix(int n) { return n > 0 ? "/pinned/" + std::to_string(n) : ""; }

std::optional<HttpResult> getKey(const Account& a, std::string_view id, int n) {
  return get(testEnv().nginxPort, keyPath(id, n), bearer(a.accessToken));
}

std::optional<HttpResult> patchKey(const Account& a, std::string_view id, const json& body, int n) {
  return patchKeyRaw(a, id, body.dump(), n);
}

std::optional<HttpResult> patchKeyRaw(const Account& a, std::string_view id, std::string_view rawBody, int n) {
  return request(testEnv().nginxPort, "PATCH", keyPath(id, n), jsonAs(a), rawBody);
}

std::optional<HttpResult> rotateKey(const Account& a, std::string_view id, const json& body, int n) {
  return request(testEnv().nginxPort, "POST", keyPath(id, n) + "/rotate", jsonAs(a), body.dump());
}

std::optional<HttpResult> getKeyUsage(const Account& a, std::string_view id, std::string_view query, int n) {
  return get(testEnv().nginxPort, keyPath(id, n) + "/usage" + std::string(query), bearer(a.accessToken));
}

std::optional<HttpResult> getUsage(const Account& a, std::string_view query) {
  return get(testEnv().nginxPort, "/usage" + std::string(query), bearer(a.accessToken));
}

json listKeys(const Account& a) {
  const auto r = get(testEnv().nginxPort, "/keys", bearer(a.accessToken));
  EXPECT_TRUE(r && r->status == 200) << "GET /keys: " << describe(r);
  if (!r || r->status != 200) return json(json::value_t::discarded);
  return r->json();
}

std::optional<HttpResult> reportLeak(const std::string& source, const std::optional<std::string>& headerKey,
                                     std::string_view rawBody) {
  Headers h;
  if (headerKey) h.emplace_back("x-api-key", *headerKey);
  if (!rawBody.empty()) h.emplace_back("Content-Type", "application/json");
  return requestFrom(source, testEnv().nginxPort, "POST", "/keys/report-leak", h, rawBody);
}

std::string uniqueLoopbackAddress() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> octet(1, 254);
  // 127.1.x.y upwards: never 127.0.0.1, the address every other test sends from.
  return "127." + std::to_string(octet(rng)) + "." + std::to_string(octet(rng)) + "." + std::to_string(octet(rng));
}

std::optional<HttpResult> viaInstance(int n, std::string_view route, const std::string& key) {
  return get(testEnv().nginxPort, pinnedPrefix(n) + "/" + std::string(route), apiKey(key));
}

std::string unknownWellFormedKey() {
  std::string key = "sk_" + crypto::toHex(crypto::randomBytes(28));
  const uLong crc = ::crc32(0L, reinterpret_cast<const Bytef*>(key.data()), static_cast<uInt>(key.size()));
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", crc & 0xffffffffUL);
  return key + hex;
}

::testing::AssertionResult isKeyObject(const json& k) {
  if (!k.is_object()) return ::testing::AssertionFailure() << "not an object: " << k;
  const auto stringField = [&](const char* f) { return k.contains(f) && k[f].is_string(); };
  const auto nullable = [&](const char* f, bool (json::*is)() const noexcept) {
    return k.contains(f) && (k[f].is_null() || (k[f].*is)());
  };
  for (const char* f : {"id", "name", "prefix", "createdAt"}) {
    if (!stringField(f)) return ::testing::AssertionFailure() << f << " is not a string: " << k;
  }
  if (!k.contains("scopes") || !k["scopes"].is_array()) return ::testing::AssertionFailure() << "scopes: " << k;
  for (const char* f : {"isActive", "enabled"}) {
    if (!k.contains(f) || !k[f].is_boolean()) return ::testing::AssertionFailure() << f << " is not a bool: " << k;
  }
  if (!nullable("rateLimit", &json::is_object)) return ::testing::AssertionFailure() << "rateLimit: " << k;
  if (!nullable("metadata", &json::is_object)) return ::testing::AssertionFailure() << "metadata: " << k;
  if (!nullable("credits", &json::is_object)) return ::testing::AssertionFailure() << "credits: " << k;
  if (const auto& c = k["credits"]; c.is_object()) {
    const bool refillOk =
        c.contains("refill") &&
        (c["refill"].is_null() || (c["refill"].is_object() && c["refill"].value("amount", json()).is_number_integer() &&
                                   c["refill"].value("interval", json()).is_string()));
    if (!c.contains("remaining") || !c["remaining"].is_number_integer() || !refillOk)
      return ::testing::AssertionFailure() << "credits is not {remaining, refill}: " << k;
  }
  for (const char* f : {"disabledReason", "rotatedFrom", "expiresAt", "lastUsedAt"}) {
    if (!nullable(f, &json::is_string)) return ::testing::AssertionFailure() << f << ": " << k;
  }
  if (k["disabledReason"].is_string() && k["disabledReason"] != "user" && k["disabledReason"] != "leaked")
    return ::testing::AssertionFailure() << "disabledReason is not null, user or leaked: " << k;
  if (k["enabled"] != k["disabledReason"].is_null())
    return ::testing::AssertionFailure() << "a key is disabled exactly when it has a disabledReason: " << k;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult isError(const std::optional<HttpResult>& r, int status, std::string_view code) {
  if (auto shape = isErrorShape(r); !shape) return shape;
  if (r->status != status || r->json().value("code", "") != code)
    return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got " << *r;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult isValidationError(const std::optional<HttpResult>& r, std::string_view field) {
  if (auto e = isError(r, 400, "validation_failed"); !e) return e;
  if (field.empty()) return ::testing::AssertionSuccess();
  const json j = r->json();
  for (const char* list : {"message", "details"}) {
    if (!j.contains(list) || !j[list].is_array()) continue;
    for (const auto& m : j[list]) {
      if (m.is_string() && m.get<std::string>().find(field) != std::string::npos) return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no validation message names " << field << ": " << *r;
}

}  // namespace authd::testing
