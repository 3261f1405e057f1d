// nginx in front of authd as the run command starts it (scripts/test.sh starts
// its stack through the same `scripts/stack.sh up`, under a umask of 077):
// request bodies larger than nginx's in-memory buffer go through its temp
// folder, guarded requests write nothing to its error log, and the docs page
// answers at the address with a trailing slash too.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;

std::string errorLogPath() { return testEnv().stateDir + "/run/nginx/logs/error.log"; }

// The error log's size now: where the lines a test causes begin.
std::streamoff errorLogEnd() {
  std::ifstream in(errorLogPath(), std::ios::binary | std::ios::ate);
  return in ? static_cast<std::streamoff>(in.tellg()) : 0;
}

// The lines written to the error log after `from`.
std::vector<std::string> errorLogSince(std::streamoff from) {
  std::ifstream in(errorLogPath(), std::ios::binary);
  in.seekg(from);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A valid signup body padded with JSON whitespace to `bytes`.
std::string paddedSignup(const std::string& email, size_t bytes) {
  std::string body = json{{"email", email}, {"password", "front-door-pw1"}, {"name", "Front Door"}}.dump();
  const std::string close = "}";
  body.pop_back();  // the closing brace goes after the padding
  body += std::string(bytes - body.size() - close.size(), ' ');
  body += close;
  return body;
}

// A 256 KiB signup (well under the 1 MiB limit, far over nginx's 16 KiB body buffer)
// answers 201 through nginx: nginx's workers can write its temp folder. The only
// thing nginx notes is that it buffered the body to a temporary file.
TEST(E2eNginxFrontTest, LargeSignupBodyThroughNginxIs201) {
  const auto from = errorLogEnd();
  const std::string email = uniqueEmail("e2e-front-large");
  const std::string body = paddedSignup(email, 256 * 1024);
  ASSERT_EQ(body.size(), 256u * 1024u);
  ASSERT_FALSE(json::parse(body, nullptr, false).is_discarded());

  const auto r = request(testEnv().nginxPort, "POST", "/auth/signup", {{"Content-Type", "application/json"}}, body,
                         std::chrono::seconds(10));
  ASSERT_TRUE(r) << lastError();
  ASSERT_EQ(r->status, 201) << *r;
  EXPECT_EQ(r->json()["user"]["email"], email) << *r;

  std::vector<std::string> unexpected;
  for (const auto& line : errorLogSince(from)) {
    if (line.find("[warn]") != std::string::npos &&
        line.find("a client request body is buffered to a temporary file") != std::string::npos) {
      continue;
    }
    unexpected.push_back(line);
  }
  EXPECT_TRUE(unexpected.empty()) << "nginx's error log:\n" << joined(unexpected);
}

// Guarded requests, allowed and denied, write nothing to nginx's error log (no
// "[crit] stat() ... Permission denied" from try_files in a folder its workers cannot enter).
TEST(E2eNginxFrontTest, GuardedRequestsLeaveTheErrorLogEmpty) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-front-guard");
  ASSERT_FALSE(a.id.empty());
  const std::string jwt = a.accessToken;
  const std::string key = createKnownKey(port, a, {{"name", "front"}}).key;
  ASSERT_FALSE(key.empty());
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the key is not known everywhere";

  const auto from = errorLogEnd();
  struct Case {
    const char* path;
    Headers headers;
    int status;
  };
  const std::vector<Case> cases{
      {"/protected/user-only", bearer(jwt), 200}, {"/protected/service-only", apiKey(key), 200},
      {"/protected/flexible", bearer(jwt), 200},  {"/protected/flexible", apiKey(key), 200},
      {"/protected/user-only", {}, 401},          {"/protected/service-only", bearer("not.a.jwt"), 401},
      {"/protected/reports", apiKey(key), 403},
  };
  for (const auto& c : cases) {
    const auto r = get(port, c.path, c.headers);
    ASSERT_TRUE(r) << c.path << ": " << lastError();
    EXPECT_EQ(r->status, c.status) << c.path << ": " << *r;
  }
  const auto lines = errorLogSince(from);
  EXPECT_TRUE(lines.empty()) << "nginx's error log:\n" << joined(lines);
}

// GET /api/docs/ redirects to /api/docs, through nginx and straight to authd, and the
// page there loads its assets (their addresses are relative to /api/docs).
TEST(E2eNginxFrontTest, DocsWithTrailingSlashRedirectsToThePage) {
  for (const uint16_t port : {testEnv().nginxPort, testEnv().authdPort(1)}) {
    SCOPED_TRACE("port " + std::to_string(port));
    const auto slash = get(port, "/api/docs/");
    ASSERT_TRUE(slash) << lastError();
    EXPECT_EQ(slash->status, 301) << *slash;
    const std::string location = slash->header("location");
    EXPECT_TRUE(location == "/api/docs" || location == "http://127.0.0.1:" + std::to_string(port) + "/api/docs")
        << "Location: " << location;

    const auto page = get(port, "/api/docs");
    ASSERT_TRUE(page) << lastError();
    ASSERT_EQ(page->status, 200) << *page;
    EXPECT_NE(page->header("content-type").find("text/html"), std::string::npos);
    for (const char* asset : {"/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css"}) {
      EXPECT_NE(page->body.find(asset), std::string::npos) << asset;
      const auto a = get(port, asset);
      ASSERT_TRUE(a) << lastError();
      EXPECT_EQ(a->status, 200) << asset;
    }
  }
}

}  // namespace
}  // namespace authd::testing
