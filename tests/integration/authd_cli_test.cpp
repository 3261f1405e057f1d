// The authd binary's command line and configuration, run as an operator runs
// it: a clean environment (env -i), an explicit .env file, `--version`,
// config errors that name the variable, and `authd migrate` against the test
// database.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
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

// The daemon built next to this test binary: <build>/tests/.. /authd/authd.
fs::path authdBinary() {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  return fs::weakly_canonical(self.parent_path() / ".." / "authd" / "authd");
}

// Runs authd with exactly `env` (plus a PATH) and `args`; a hung authd is
// killed after 30 s so a broken start-up cannot hang the suite.
RunResult runAuthd(const Env& env, const std::string& args) {
  std::string cmd = "timeout -k 5 30 env -i PATH=/usr/bin:/bin";
  for (const auto& [name, value] : env) cmd += " " + name + "=" + shellQuote(value);
  cmd += " " + shellQuote(authdBinary().string()) + " " + args + " 2>&1 </dev/null";
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
Env stackEnv() {
  const TestEnv& t = testEnv();
  return {
      {"DB_HOST", t.dbHost},
      {"DB_PORT", std::to_string(t.dbPort)},
      {"DB_USERNAME", t.dbUser},
      {"DB_PASSWORD", t.dbPassword},
      {"DB_NAME", t.dbName},
      {"REDIS_HOST", t.redisHost},
      {"REDIS_PORT", std::to_string(t.redisPort)},
      {"REDIS_PASSWORD", t.redisPassword},
      {"JWT_SECRET", t.jwtSecret},
  };
}

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

}  // namespace
}  // namespace authd::testing
