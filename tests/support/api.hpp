// Small helpers over authd's HTTP API shared by integration and end-to-end tests.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "support/http_client.hpp"

namespace authd::testing {

// `Authorization: Bearer <token>` and `x-api-key: <key>` as request headers.
Headers bearer(const std::string& token);
Headers apiKey(const std::string& key);

// A response (status and body) or why there was none, for failure messages.
std::string describe(const std::optional<HttpResult>& r);

// An Error or a Status as "code_name: message" ("ok" for a success), for failure messages.
std::string describe(const Error& e);
std::string describe(const Status& s);

// Milliseconds since `t`.
int64_t msSince(std::chrono::steady_clock::time_point t);

// The wall clock in unix milliseconds (what authd stores as lastUsedAt).
int64_t nowMs();

// GET /verify<query> on authd instance n, as nginx's auth_request calls it (query e.g. "?mode=apikey&scopes=a").
std::optional<HttpResult> verifyOn(int n, std::string_view query, const Headers& headers);

// /verify?mode=apikey with the key in x-api-key, /verify?mode=jwt with the token as Bearer, on instance n.
std::optional<HttpResult> verifyKeyOn(int n, const std::string& key);
std::optional<HttpResult> verifyJwtOn(int n, const std::string& token);

// GET /readyz on `port` answers 200.
bool readyOn(uint16_t port);

// Waits (up to 2 s per instance) until both authd instances find `key`: a probe asking for a
// scope no key has is answered insufficient_scope once the key is found, before any rate-limit
// count or lastUsed record. Tests about other things use it so they never depend on timing.
bool knownEverywhere(const std::string& key);

// One series of authd instance n's /metrics, named as Prometheus prints it (e.g.
// `authd_state{what="invalidation_subscribed"}`); nullopt when absent or unreachable.
std::optional<double> metricOn(int n, std::string_view series);

// The PID of authd instance `n` as stack.sh recorded it ("" when unknown).
std::string authdPid(int n);

// Both authd instances answer /readyz 200 now.
bool bothReadyNow();

// Both authd instances answer /readyz 200 within `timeout`.
bool bothReady(std::chrono::milliseconds timeout);

// Starts authd instance `n` again when restart() is called or the scope ends (even when
// the test fails), then waits up to 15 s for it to answer /readyz. Declare it before
// stopping or killing the instance.
class InstanceRestarter {
 public:
  explicit InstanceRestarter(int n) : n_(n) {}
  InstanceRestarter(const InstanceRestarter&) = delete;
  InstanceRestarter& operator=(const InstanceRestarter&) = delete;
  ~InstanceRestarter() { restart(); }
  void restart();

 private:
  int n_;
  bool done_ = false;
};

// A dependency taken down for a test: the constructor runs `stop` (a stack.sh
// subcommand); end(), or the destructor even when the test fails, calls
// `restart` until it returns true (up to 20 s), then waits until both authd
// instances are ready again.
class ServiceOutage {
 public:
  ServiceOutage(std::string service, const std::string& stop, std::function<bool()> restart);
  ServiceOutage(const ServiceOutage&) = delete;
  ServiceOutage& operator=(const ServiceOutage&) = delete;
  ~ServiceOutage() { end(); }
  bool stopped() const { return stopped_; }
  void end();

 private:
  std::string service_;
  std::function<bool()> restart_;
  bool stopped_;
  bool ended_ = false;
};

// What the test stack's webhook receiver (scripts/webhook-receiver.mjs, on RECEIVER_PORT) recorded for endpoint
// `name` ("operator": WEBHOOK_URL), oldest first: [{webhookId, type, verified (by npm standardwebhooks), error,
// answered, body}]; empty when the receiver cannot be read.
nlohmann::json receiverRecords(const std::string& name);

}  // namespace authd::testing
