#include "support/api.hpp"

#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {

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
