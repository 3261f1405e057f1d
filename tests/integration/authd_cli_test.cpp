// The authd binary's command line and configuration, run as an operator runs
// it: a clean environment (env -i), an explicit .env file, `--version`,
// config errors that name the variable, and `authd migrate` against the test
// database.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

namespace fs = std::filesystem;
using Env = std::vector<std::pair<std::string, std::string>>;

struct RunResult {
  int exitCode = -1;   // -1: did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

// Runs authd with exactly `env` (plus a PATH) and `args`; a hung authd is
// killed after 30 s so a broken start-up cannot hang the suite.
RunResult runAuthd(const Env& env, const std::string& args) {
  std::string cmd = "timeout -k 5 30 env -i PATH=/usr/bin:/bin";
  for (const auto& [name, value] : env) cmd += " " + name + "=" + shellQuote(value);
  cmd += " " + shellQuote(authdBinary()) + " " + args + " 2>&1 </dev/null";
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  if (status != -1 && WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  return r;
}

// The test stack's database settings plus a valid JWT secret.
Env stackEnv() { return stackSettings(); }

Env with(Env env, const std::string& name, const std::string& value) {
  for (auto& [k, v] : env) {
    if (k == name) {
      v = value;
      return env;
    }
  }
  env.emplace_back(name, value);
  return env;
}

Env without(Env env, const std::string& name) {
  std::erase_if(env, [&](const auto& kv) { return kv.first == name; });
  return env;
}

// Writes env as a .env file (values double-quoted) and returns its path.
fs::path writeDotenv(const fs::path& dir, const Env& env) {
  const fs::path file = dir / ".env";
  std::ofstream out(file);
  out << "# written by authd_cli_test\n";
  for (const auto& [k, v] : env) out << k << "=\"" << v << "\"\n";
  return file;
}

class AuthdCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs::exists(authdBinary())) << "authd binary not found at " << authdBinary(); }
};

// `authd --version` prints the name and version and exits 0, without config.
TEST_F(AuthdCliTest, VersionPrintsNameAndExitsZero) {
  auto r = runAuthd({{"AUTHD_ENV_FILE", "/dev/null"}}, "--version");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("authd ")) << r.output;
}

// An unknown argument is refused with the usage text, not ignored.
TEST_F(AuthdCliTest, UnknownArgumentIsRefused) {
  auto r = runAuthd({{"AUTHD_ENV_FILE", "/dev/null"}}, "--no-such-flag");
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("usage"), std::string::npos) << r.output;
}

// A malformed DB_PORT stops start-up with a message naming the variable.
TEST_F(AuthdCliTest, BadDbPortNamesTheVariable) {
  auto r = runAuthd(with(with(stackEnv(), "DB_PORT", "abc"), "AUTHD_ENV_FILE", "/dev/null"), "");
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("DB_PORT"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("abc"), std::string::npos) << "the bad value should be quoted: " << r.output;
}

// A missing JWT_SECRET stops start-up with a message naming it.
TEST_F(AuthdCliTest, MissingJwtSecretNamesTheVariable) {
  auto r = runAuthd(with(without(stackEnv(), "JWT_SECRET"), "AUTHD_ENV_FILE", "/dev/null"), "");
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("JWT_SECRET"), std::string::npos) << r.output;
}

// `authd migrate` on the already-migrated test database applies nothing,
// and is idempotent.
TEST_F(AuthdCliTest, MigrateOnMigratedDatabaseAppliesNothing) {
  const Env env = with(stackEnv(), "AUTHD_ENV_FILE", "/dev/null");
  for (int run = 1; run <= 2; ++run) {
    auto r = runAuthd(env, "migrate");
    EXPECT_EQ(r.exitCode, 0) << "run " << run << ": " << r.output;
    EXPECT_NE(r.output.find("nothing to apply"), std::string::npos) << "run " << run << ": " << r.output;
  }
}

// Settings come from the .env file named by AUTHD_ENV_FILE, and the process
// environment overrides the file, in both directions.
TEST_F(AuthdCliTest, DotenvFileIsReadAndEnvironmentWins) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";

  // A good file alone is enough: migrate reaches the database.
  const fs::path good = writeDotenv(dir.path(), stackEnv());
  auto r = runAuthd({{"AUTHD_ENV_FILE", good.string()}}, "migrate");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("nothing to apply"), std::string::npos) << r.output;

  // The environment's bad DB_PORT beats the file's good one.
  r = runAuthd({{"AUTHD_ENV_FILE", good.string()}, {"DB_PORT", "abc"}}, "migrate");
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("DB_PORT"), std::string::npos) << r.output;

  // And the environment's good DB_PORT beats the file's bad one.
  const fs::path bad = writeDotenv(dir.path(), with(stackEnv(), "DB_PORT", "abc"));
  r = runAuthd({{"AUTHD_ENV_FILE", bad.string()}}, "migrate");
  EXPECT_NE(r.exitCode, 0) << "the file's DB_PORT=abc was not read: " << r.output;
  EXPECT_NE(r.output.find("DB_PORT"), std::string::npos) << r.output;
  r = runAuthd({{"AUTHD_ENV_FILE", bad.string()}, {"DB_PORT", std::to_string(testEnv().dbPort)}}, "migrate");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("nothing to apply"), std::string::npos) << r.output;
}

// The operator's endpoint from the environment, with a valid Standard Webhooks secret, on a port nothing uses (a start
// that is refused never binds it).
Env operatorWebhookEnv(const std::string& url) {
  Env env = with(stackEnv(), "AUTHD_ENV_FILE", "/dev/null");
  env = with(env, "PORT", std::to_string(testEnv().authdPort(1) + 40));
  env = with(env, "WEBHOOK_URL", url);
  return with(env, "WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwYyuyB8oR5qs=");
}

// A WEBHOOK_URL that reaches a private address (loopback by literal and by the name localhost, cloud metadata,
// IPv4-mapped loopback) stops `authd serve` at once, naming the variable, the address and WEBHOOK_ALLOW_PRIVATE,
// never the secret.
TEST_F(AuthdCliTest, PrivateOperatorWebhookUrlIsRefusedAtStart) {
  for (const char* url : {"http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://169.254.169.254/latest",
                          "http://[::ffff:127.0.0.1]:9/hook"}) {
    auto r = runAuthd(without(operatorWebhookEnv(url), "WEBHOOK_ALLOW_PRIVATE"), "serve");
    EXPECT_EQ(r.exitCode, 1) << url << ": " << r.output;
    EXPECT_NE(r.output.find("WEBHOOK_URL: url must resolve only to public addresses"), std::string::npos)
        << url << ": " << r.output;
    EXPECT_NE(r.output.find("WEBHOOK_ALLOW_PRIVATE=1"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), std::string::npos) << r.output;
  }
  // WEBHOOK_ALLOW_PRIVATE=0 is the default, spelled out.
  auto r = runAuthd(with(operatorWebhookEnv("http://10.0.0.1/hook"), "WEBHOOK_ALLOW_PRIVATE", "0"), "serve");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("10.0.0.1 is not"), std::string::npos) << r.output;
  // Not http(s): refused the same way, whatever WEBHOOK_ALLOW_PRIVATE says.
  r = runAuthd(with(operatorWebhookEnv("ftp://127.0.0.1/hook"), "WEBHOOK_ALLOW_PRIVATE", "1"), "serve");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("WEBHOOK_URL: url must start with http:// or https://"), std::string::npos) << r.output;
}

// WEBHOOK_URL without WEBHOOK_SECRET, or with one that is not whsec_ + base64, is a config error naming
// WEBHOOK_SECRET (and never echoing it), before anything connects.
TEST_F(AuthdCliTest, OperatorWebhookNeedsAStandardSecret) {
  auto r = runAuthd(without(operatorWebhookEnv("https://hooks.example.com/authd"), "WEBHOOK_SECRET"), "serve");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("WEBHOOK_SECRET: must be set with WEBHOOK_URL"), std::string::npos) << r.output;
  r = runAuthd(with(operatorWebhookEnv("https://hooks.example.com/authd"), "WEBHOOK_SECRET", "hunter2-not-standard"),
               "serve");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("WEBHOOK_SECRET: must be a Standard Webhooks secret"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;
}

// A bad signing key stops `authd serve` before anything connects, with exit code 2 and one line naming
// the variable and the file: a world-readable private key, a key of the wrong type, a missing previous key.
TEST_F(AuthdCliTest, BadSigningKeyFileStopsStartUp) {
  TempDir dir("authd-cli-keys");
  const auto write = [&](const std::string& name, const std::string& cmd, fs::perms mode) {
    const fs::path p = dir.path() / name;
    EXPECT_EQ(std::system((cmd + " -out " + shellQuote(p.string()) + " 2>/dev/null").c_str()), 0) << cmd;
    fs::permissions(p, mode);
    return p.string();
  };
  const auto owner = fs::perms::owner_read | fs::perms::owner_write;
  const auto open = write("open.pem", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256",
                          owner | fs::perms::group_read | fs::perms::others_read);
  const auto ed = write("ed.pem", "openssl genpkey -algorithm ED25519", owner);
  const Env base = with(stackEnv(), "AUTHD_ENV_FILE", "/dev/null");

  auto r = runAuthd(with(with(base, "JWT_ALGORITHM", "ES256"), "JWT_PRIVATE_KEY_FILE", open), "serve");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("authd: config: JWT_PRIVATE_KEY_FILE: " + open + ": a private key readable by everyone"),
            std::string::npos)
      << r.output;
  r = runAuthd(with(with(base, "JWT_ALGORITHM", "ES256"), "JWT_PRIVATE_KEY_FILE", ed), "serve");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(
      r.output.find("JWT_PRIVATE_KEY_FILE: " + ed + ": a key of type ED25519, expected an EC P-256 key for ES256"),
      std::string::npos)
      << r.output;
  r = runAuthd(with(with(with(base, "JWT_ALGORITHM", "EdDSA"), "JWT_PRIVATE_KEY_FILE", ed), "JWT_PREVIOUS_KEY_FILES",
                    (dir.path() / "gone.pem").string()),
               "serve");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("JWT_PREVIOUS_KEY_FILES: " + (dir.path() / "gone.pem").string() + ": cannot read"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace authd::testing
