#include "support/api.hpp"

#include "support/http_client.hpp"
#include "support/test_env.hpp"

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

int64_t msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

bool readyOn(uint16_t port) {
  const auto r = get(port, "/readyz");
  return r && r->status == 200;
}

bool knownEverywhere(const std::string& key) {
  for (const int n : {1, 2}) {
    const bool known = eventually(
        [&] {
          const auto r =
              get(testEnv().authdPort(n), "/verify?mode=apikey&scopes=test.probe.none", {{"x-api-key", key}});
          return r && r->header("x-auth-error") == "insufficient_scope";
        },
        std::chrono::seconds(2));
    if (!known) return false;
  }
  return true;
}

}  // namespace authd::testing
