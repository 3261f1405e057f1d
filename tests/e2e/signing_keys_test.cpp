// Asymmetric access tokens through real authd instances, checked by a standard JOSE library: two extra
// authd instances started here (ES256 on NGINX_PORT + 19, EdDSA on + 20; scripts/test.sh's port note) with
// the test stack's settings (its stack.env: same PostgreSQL, Redis and operator webhook) and their own
// JWT_* settings. Their tokens verify with npm `jose` against their /.well-known/jwks.json (remote and
// local key sets) and by authd's /verify; a rotation keeps the old key's tokens valid while the key is a
// previous key, and refuses them once it is removed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

fs::path repoRoot() { return fs::path(testEnv().stackScript).parent_path().parent_path(); }

// `openssl genpkey ARGS` into dir/name, mode 0600.
std::string genKey(const fs::path& dir, const std::string& name, const std::string& args) {
  const fs::path p = dir / name;
  const std::string cmd = "umask 077 && openssl genpkey " + args + " -out " + shellQuote(p.string()) + " 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return p.string();
}

using Settings = std::vector<std::pair<std::string, std::string>>;

// The stack's settings (its stack.env) with PORT and these JWT_* ones over them (the environment wins).
Settings withStack(Settings jwt, uint16_t port) {
  jwt.emplace_back("AUTHD_ENV_FILE", testEnv().stateDir + "/stack.env");
  jwt.emplace_back("PORT", std::to_string(port));
  return jwt;
}

// An extra authd on `port`, its log in dir; stopped when the scope ends.
struct Instance {
  Instance(uint16_t port, const fs::path& dir, Settings jwt)
      : process({authdBinary(), "serve"}, withStack(std::move(jwt), port),
                (dir / ("authd-" + std::to_string(port) + ".log")).string()) {}
  Process process;
};

// The JSON line scripts/verify-jwt.mjs prints for this token against this instance's JWKS.
json joseVerify(uint16_t port, const std::string& token, const std::string& how = "remote") {
  const std::string cmd = "node " + shellQuote((repoRoot() / "scripts" / "verify-jwt.mjs").string()) + " " +
                          shellQuote("http://127.0.0.1:" + std::to_string(port) + "/.well-known/jwks.json") + " " +
                          shellQuote(token) + " authd " + how + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  json j = json::parse(out, nullptr, false);
  if (j.is_discarded()) return {{"ok", false}, {"output", out}};
  return j;
}

json headerOf(const std::string& token) {
  return json::parse(crypto::base64UrlDecode(token.substr(0, token.find('.'))).value_or("null"), nullptr, false);
}

int verifyStatus(uint16_t port, const std::string& token) {
  const auto r = get(port, "/verify?mode=jwt", bearer(token));
  return r ? r->status : -1;
}

json jwksOf(uint16_t port) {
  const auto r = get(port, "/.well-known/jwks.json");
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  if (!r) return {};
  EXPECT_EQ(r->header("Cache-Control"), "public, max-age=300");
  return r->json();
}

class SigningKeysTest : public ::testing::Test {
 protected:
  uint16_t esPort() const { return static_cast<uint16_t>(testEnv().nginxPort + 19); }
  uint16_t edPort() const { return static_cast<uint16_t>(testEnv().nginxPort + 20); }
  TempDir dir_{"authd-signing-keys"};
};

// ES256 and EdDSA instances: signup and login tokens carry the key's alg and kid, verify with jose (remote and
// local JWKS) and with authd's /verify; the HS256 stack refuses them (unknown kid) and they refuse its tokens.
TEST_F(SigningKeysTest, AsymmetricTokensVerifyWithJose) {
  const auto es = genKey(dir_.path(), "es.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  const auto ed = genKey(dir_.path(), "ed.pem", "-algorithm ED25519");
  Instance esInstance(esPort(), dir_.path(), {{"JWT_ALGORITHM", "ES256"}, {"JWT_PRIVATE_KEY_FILE", es}});
  Instance edInstance(edPort(), dir_.path(), {{"JWT_ALGORITHM", "EdDSA"}, {"JWT_PRIVATE_KEY_FILE", ed}});
  ASSERT_TRUE(esInstance.process.started() && edInstance.process.started());
  const Account stackUser = signup(testEnv().authdPort1, "signing-hs256");

  for (const auto& [port, alg, kty] : {std::tuple{esPort(), "ES256", "EC"}, std::tuple{edPort(), "EdDSA", "OKP"}}) {
    SCOPED_TRACE(alg);
    ASSERT_TRUE(eventually([&] { return readyOn(port); }, 30s, 100ms)) << "the " << alg << " authd never became ready";
    const json keys = jwksOf(port);
    ASSERT_EQ(keys["keys"].size(), 1u) << keys;
    EXPECT_EQ(keys["keys"][0]["kty"], kty);
    EXPECT_EQ(keys["keys"][0]["alg"], alg);
    EXPECT_EQ(keys["keys"][0]["use"], "sig");

    const Account a = signup(port, std::string("signing-") + alg);
    ASSERT_FALSE(a.accessToken.empty());
    const auto logged = login(port, a.email, kTestPassword);
    ASSERT_TRUE(logged && logged->status == 200) << describe(logged);
    const std::string loginToken = logged->json()["accessToken"];
    for (const std::string& token : {a.accessToken, loginToken}) {
      EXPECT_EQ(headerOf(token)["alg"], alg);
      EXPECT_EQ(headerOf(token)["kid"], keys["keys"][0]["kid"]);
      for (const char* how : {"remote", "local"}) {
        const json v = joseVerify(port, token, how);
        EXPECT_EQ(v["ok"], true) << how << ": " << v;
        EXPECT_EQ(v["alg"], alg) << v;
        EXPECT_EQ(v["payload"]["sub"], a.id) << v;
      }
      EXPECT_EQ(verifyStatus(port, token), 200);
      EXPECT_EQ(verifyStatus(testEnv().authdPort1, token), 401) << "the HS256 stack does not know the kid";
    }
    EXPECT_EQ(verifyStatus(port, stackUser.accessToken), 401) << "HS256 tokens are refused under " << alg;
    EXPECT_EQ(joseVerify(port, stackUser.accessToken)["ok"], false);
  }
  // The test stack (HS256) publishes no key, through nginx too.
  const auto front = get(testEnv().nginxPort, "/.well-known/jwks.json");
  ASSERT_TRUE(front && front->status == 200) << describe(front);
  EXPECT_EQ(front->body, R"({"keys":[]})");
  EXPECT_EQ(front->header("Cache-Control"), "public, max-age=300");
}

// Rotation: restarted with a new key and the old one in JWT_PREVIOUS_KEY_FILES, the old token still verifies
// (authd's /verify and jose) and the JWKS lists new then old; restarted without it, the old token is 401 and
// jose finds no key for it, while a token of the new key verifies.
TEST_F(SigningKeysTest, RotationKeepsPreviousKeyUntilRemoved) {
  const auto oldKey = genKey(dir_.path(), "old.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  const auto newKey = genKey(dir_.path(), "new.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  std::string oldToken, oldKid;
  {
    Instance before(esPort(), dir_.path(), {{"JWT_ALGORITHM", "ES256"}, {"JWT_PRIVATE_KEY_FILE", oldKey}});
    ASSERT_TRUE(eventually([&] { return readyOn(esPort()); }, 30s, 100ms));
    oldToken = signup(esPort(), "rotation").accessToken;
    ASSERT_FALSE(oldToken.empty());
    oldKid = headerOf(oldToken)["kid"];
    ASSERT_EQ(joseVerify(esPort(), oldToken)["ok"], true);
  }
  std::string newToken;
  {
    Instance during(esPort(), dir_.path(),
                    {{"JWT_ALGORITHM", "ES256"}, {"JWT_PRIVATE_KEY_FILE", newKey}, {"JWT_PREVIOUS_KEY_FILES", oldKey}});
    ASSERT_TRUE(eventually([&] { return readyOn(esPort()); }, 30s, 100ms));
    const json keys = jwksOf(esPort());
    ASSERT_EQ(keys["keys"].size(), 2u) << keys;
    EXPECT_EQ(keys["keys"][1]["kid"], oldKid) << "current first, then previous";
    EXPECT_EQ(verifyStatus(esPort(), oldToken), 200);
    const json v = joseVerify(esPort(), oldToken);
    EXPECT_EQ(v["ok"], true) << v;
    newToken = signup(esPort(), "rotation-new").accessToken;
    EXPECT_EQ(headerOf(newToken)["kid"], keys["keys"][0]["kid"]);
    EXPECT_NE(headerOf(newToken)["kid"], oldKid);
  }
  Instance after(esPort(), dir_.path(), {{"JWT_ALGORITHM", "ES256"}, {"JWT_PRIVATE_KEY_FILE", newKey}});
  ASSERT_TRUE(eventually([&] { return readyOn(esPort()); }, 30s, 100ms));
  EXPECT_EQ(jwksOf(esPort())["keys"].size(), 1u);
  EXPECT_EQ(verifyStatus(esPort(), oldToken), 401);
  const json v = joseVerify(esPort(), oldToken);
  EXPECT_EQ(v["ok"], false) << v;
  EXPECT_EQ(v["code"], "ERR_JWKS_NO_MATCHING_KEY") << v;
  EXPECT_EQ(verifyStatus(esPort(), newToken), 200);
  EXPECT_EQ(joseVerify(esPort(), newToken)["ok"], true);
}

}  // namespace
}  // namespace authd::testing
