#include "support/api.hpp"

#include "support/http_client.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace authd::testing {

Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

Headers apiKey(const std::string& key) { return {{"x-api-key", key}}; }

std::string describe(const std::optional<HttpResult>& r) {
  if (!r) return "no response: " + lastError();
  std::ostringstream os;
  os << *r;
  if (const auto e = r->header("x-auth-error"); !e.empty()) os << " [X-Auth-Error '" << e << "']";
  return os.str();
}

std::string describe(const Error& e) {
  return std::string(codeName(e.code)) + (e.message.empty() ? "" : ": " + e.message);
}

std::string describe(const Status& s) { return s ? "ok" : describe(s.error()); }

int64_t msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<HttpResult> verifyOn(int n, std::string_view query, const Headers& headers) {
  return get(testEnv().authdPort(n), "/verify" + std::string(query), headers);
}

std::optional<HttpResult> verifyKeyOn(int n, const std::string& key) {
  return verifyOn(n, "?mode=apikey", apiKey(key));
}

std::optional<HttpResult> verifyJwtOn(int n, const std::string& token) {
  return verifyOn(n, "?mode=jwt", bearer(token));
}

bool readyOn(uint16_t port) {
  const auto r = get(port, "/readyz");
  return r && r->status == 200;
}

bool knownEverywhere(const std::string& key) {
  for (const int n : {1, 2}) {
    const bool known = eventually(
        [&] {
          const auto r = verifyOn(n, "?mode=apikey&scopes=test.probe.none", apiKey(key));
          return r && r->header("x-auth-error") == "insufficient_scope";
        },
        std::chrono::seconds(2));
    if (!known) return false;
  }
  return true;
}

std::optional<double> metricOn(int n, std::string_view series) {
  const auto r = get(testEnv().authdPort(n), "/metrics");
  if (!r || r->status != 200) return std::nullopt;
  const std::string prefix = std::string(series) + " ";
  std::istringstream in(r->body);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) return std::stod(line.substr(prefix.size()));
  }
  return std::nullopt;
}

std::string authdPid(int n) {
  std::ifstream in(testEnv().stateDir + "/run/authd" + std::to_string(n) + ".pid");
  std::string pid;
  in >> pid;
  return pid;
}

bool bothReadyNow() { return readyOn(testEnv().authdPort(1)) && readyOn(testEnv().authdPort(2)); }

bool bothReady(std::chrono::milliseconds timeout) { return eventually(bothReadyNow, timeout); }

void InstanceRestarter::restart() {
  if (done_) return;
  done_ = true;
  using namespace std::chrono_literals;
  EXPECT_EQ(stack("authd-start", n_), 0) << "could not start authd instance " << n_ << " again";
  EXPECT_TRUE(eventually([this] { return readyOn(testEnv().authdPort(n_)); }, 15s))
      << "authd instance " << n_ << " not ready 15 s after the restart";
}

ServiceOutage::ServiceOutage(std::string service, const std::string& stop, std::function<bool()> restart)
    : service_(std::move(service)), restart_(std::move(restart)), stopped_(stack(stop) == 0) {}

void ServiceOutage::end() {
  if (ended_) return;
  ended_ = true;
  using namespace std::chrono_literals;
  EXPECT_TRUE(eventually(restart_, 20s)) << "could not start " << service_ << " again";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(bothReady(15s)) << "authd instances not ready 15 s after " << service_ << " came back";
  std::cerr << "note: both instances ready " << msSince(started) << " ms after " << service_ << " came back\n";
}

nlohmann::json receiverRecords(const std::string& name) {
  const auto r = get(testEnv().receiverPort, "/_control/" + name);
  if (!r || r->status != 200) return nlohmann::json::array();
  return r->json().value("received", nlohmann::json::array());
}

}  // namespace authd::testing
