// Webhook URLs that point inside the network, as an operator's authd (no
// WEBHOOK_ALLOW_PRIVATE) answers them: a third authd, started here as an
// operator starts it (env -i, the run command's settings), on a database and a
// Redis of its own, so that its start (no WEBHOOK_URL: the operator's endpoint
// is removed) and its flushes leave the test stack's alone. Every private,
// loopback, link-local, metadata or mapped address is refused with 400
// url_not_allowed, other schemes and malformed URLs with a 400, and nothing
// refused is stored.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/matchers.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

extern char** environ;

namespace authd::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// Creates (once) a database of its own, owned by the stack's user.
bool ensureDatabase(const std::string& name) {
  const std::string sql = "SELECT 1 FROM pg_database WHERE datname = '" + name + "'";
  const std::string check = "bash " + shellQuote(testEnv().stackScript) + " pg-admin " +
                            shellQuote(testEnv().stateDir) + " -tAc " + shellQuote(sql) + " | grep -q 1";
  if (std::system(check.c_str()) == 0) return true;
  const std::string create = "bash " + shellQuote(testEnv().stackScript) + " pg-admin " +
                             shellQuote(testEnv().stateDir) + " -c " +
                             shellQuote("CREATE DATABASE " + name + " OWNER " + testEnv().dbUser) + " >/dev/null";
  return std::system(create.c_str()) == 0;
}

TEST(WebhookPrivateTest, AnOperatorsAuthdRefusesPrivateTargets) {
  const TestEnv& t = testEnv();
  const std::string db = "authd_private_urls";
  ASSERT_TRUE(ensureDatabase(db));
  const uint16_t port = static_cast<uint16_t>(t.nginxPort + 17);
  // A Redis of its own too: the stack's holds the other instances' queues (usage, lastUsedAt), which
  // this authd would otherwise take into its own database.
  const uint16_t redisPort = static_cast<uint16_t>(t.nginxPort + 18);
  Process redis({"/usr/bin/redis-server", "--port", std::to_string(redisPort), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"},
                {});
  ASSERT_TRUE(redis.started());
  Process authd({authdBinary(), "serve"}, {{"PORT", std::to_string(port)},
                                           {"DB_HOST", t.dbHost},
                                           {"DB_PORT", std::to_string(t.dbPort)},
                                           {"DB_USERNAME", t.dbUser},
                                           {"DB_PASSWORD", t.dbPassword},
                                           {"DB_NAME", db},
                                           {"REDIS_HOST", t.redisHost},
                                           {"REDIS_PORT", std::to_string(redisPort)},
                                           {"JWT_SECRET", t.jwtSecret}});
  ASSERT_TRUE(authd.started());
  ASSERT_TRUE(eventually([&] { return readyOn(port); }, 30s, 100ms)) << "the third authd never became ready";

  const Account a = signup(port, "private-urls");
  ASSERT_FALSE(a.id.empty());
  for (const std::string url :
       {"http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.0.0.1/hook", "http://192.168.1.1/",
        "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data", "http://100.64.0.1/", "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook", "http://[fe80::1]/", "http://0.0.0.0/", "https://2130706433/"}) {
    const auto r = postJson(port, "/webhooks", {{"url", url}}, bearer(a.accessToken));
    EXPECT_TRUE(isError(r, 400, "url_not_allowed")) << url;
  }
  for (const std::string url : {"ftp://example.com/hook", "javascript:alert(1)", "http://", "not a url"}) {
    const auto r = postJson(port, "/webhooks", {{"url", url}}, bearer(a.accessToken));
    EXPECT_TRUE(isErrorShape(r) && r->status == 400) << url << ": " << describe(r);
  }
  const auto list = get(port, "/webhooks", bearer(a.accessToken));
  ASSERT_TRUE(list && list->status == 200) << describe(list);
  EXPECT_EQ(list->json(), json::array()) << "nothing refused was stored";
}

}  // namespace
}  // namespace authd::testing
