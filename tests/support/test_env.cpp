#include "support/test_env.hpp"

#include <sys/wait.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/dotenv.hpp"
#include "keys/api_key.hpp"
#include "store/pg/pg_account_stores.hpp"  // prepareStatements

namespace authd::testing {
namespace {

constexpr const char* kHowToRun =
    "integration tests need the test stack: run them through scripts/test.sh "
    "(it exports AUTHD_TEST_STATE and AUTHD_TEST_STACK)";

std::string requireVar(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set; " + kHowToRun);
  return v;
}

class EnvReader {
 public:
  EnvReader(const config::EnvMap& env, std::string file) : env_(env), file_(std::move(file)) {}

  std::string str(const char* name) const {
    auto it = env_.find(name);
    if (it == env_.end()) throw std::runtime_error(file_ + " has no " + name);
    return it->second;
  }

  std::string str(const char* name, const std::string& fallback) const {
    auto it = env_.find(name);
    return it == env_.end() ? fallback : it->second;
  }

  uint16_t port(const char* name) const {
    const std::string v = str(name);
    int n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1 || n > 65535) {
      throw std::runtime_error(file_ + ": " + name + " is not a port: '" + v + "'");
    }
    return static_cast<uint16_t>(n);
  }

 private:
  const config::EnvMap& env_;
  std::string file_;
};

TestEnv load() {
  TestEnv t;
  t.stateDir = requireVar("AUTHD_TEST_STATE");
  t.stackScript = requireVar("AUTHD_TEST_STACK");
  const std::string file = t.stateDir + "/stack.env";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file + "; " + kHowToRun);
  std::ostringstream text;
  text << in.rdbuf();
  auto env = config::parseDotenv(text.str());
  if (!env) throw std::runtime_error(file + ": " + env.error());

  EnvReader r(*env, file);
  t.nginxPort = r.port("NGINX_PORT");
  t.authdPort1 = r.port("PORT");
  t.authdPort2 = static_cast<uint16_t>(t.authdPort1 + 1);
  t.dbHost = r.str("DB_HOST", "127.0.0.1");
  t.dbPort = r.port("DB_PORT");
  t.dbUser = r.str("DB_USERNAME");
  t.dbPassword = r.str("DB_PASSWORD", "");
  t.dbName = r.str("DB_NAME");
  t.redisHost = r.str("REDIS_HOST", "127.0.0.1");
  t.redisPort = r.port("REDIS_PORT");
  t.redisPassword = r.str("REDIS_PASSWORD", "");
  t.jwtSecret = r.str("JWT_SECRET");
  t.apiKeyPrefix = r.str("API_KEY_PREFIX", std::string(keys::kDefaultKeyPrefix));
  if (!r.str("RECEIVER_PORT", "").empty()) t.receiverPort = r.port("RECEIVER_PORT");
  t.operatorWebhookUrl = r.str("WEBHOOK_URL", "");
  t.operatorWebhookSecret = r.str("WEBHOOK_SECRET", "");
  return t;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> stackSettings() {
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

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

const TestEnv& testEnv() {
  // A throwing initializer is retried on the next call, so every test that
  // needs the stack fails with the same message.
  static const TestEnv env = load();
  return env;
}

std::string authdBinary() {
  namespace fs = std::filesystem;
  if (const char* dir = std::getenv("AUTHD_BUILD_DIR"); dir != nullptr && *dir != '\0')
    return fs::weakly_canonical(fs::path(dir) / "authd" / "authd").string();
  const fs::path self = fs::read_symlink("/proc/self/exe");
  return fs::weakly_canonical(self.parent_path() / ".." / "authd" / "authd").string();
}

int stack(const std::string& subcommand, int instance) {
  const TestEnv& env = testEnv();
  const std::string cmd = "bash " + shellQuote(env.stackScript) + " " + shellQuote(subcommand) + " " +
                          shellQuote(env.stateDir) + " " + std::to_string(instance) + " >&2";
  const int status = std::system(cmd.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::unique_ptr<store::pg::PgPool> makeTestPgPool(int size) { return makeTestPgPool(TestPgPoolOptions{.size = size}); }

std::unique_ptr<store::pg::PgPool> makeTestPgPool(const TestPgPoolOptions& options) {
  const TestEnv& env = testEnv();
  store::pg::PgPoolOptions o;
  o.conninfo =
      store::pg::makeConninfo(env.dbHost, options.port != 0 ? options.port : env.dbPort, env.dbUser, env.dbPassword,
                              env.dbName, std::chrono::milliseconds(1000), options.statementTimeout);
  if (!options.searchPath.empty()) {
    const std::string marker = "options='-c statement_timeout=" + std::to_string(options.statementTimeout.count());
    const auto at = o.conninfo.find(marker);
    if (at == std::string::npos) throw std::logic_error("makeConninfo's options changed; update makeTestPgPool");
    o.conninfo.insert(at + marker.size(), " -c search_path=" + options.searchPath);
  }
  o.size = options.size;
  o.acquireTimeout = std::chrono::milliseconds(2000);
  if (options.prepare) o.onConnect = store::pg::prepareStatements;
  return std::make_unique<store::pg::PgPool>(std::move(o));
}

std::unique_ptr<store::redis::RedisPool> makeTestRedisPool(int size) {
  const TestEnv& env = testEnv();
  store::redis::RedisPoolOptions o;
  o.host = env.redisHost;
  o.port = env.redisPort;
  o.password = env.redisPassword;
  o.size = size;
  o.timeout = std::chrono::milliseconds(500);
  o.backoff = std::chrono::milliseconds(200);
  return std::make_unique<store::redis::RedisPool>(std::move(o));
}

}  // namespace authd::testing
