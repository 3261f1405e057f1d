// Composition root: config → pools → stores → services → HTTP; signals.
// Subcommands: `authd serve` (default), `authd migrate`, `authd admin …`, `authd --version`.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <spdlog/sinks/stdout_sinks.h>

#include "admin_cli.hpp"
#include "app.hpp"
#include "config/config.hpp"
#include "import_cli.hpp"
#include "store/pg/migrations.hpp"
#include "store/pg/pg_ledger.hpp"

namespace {

constexpr const char* kUsage = R"(usage: authd [serve|migrate|admin …|import-nestjs …] [--version] [--help]
  serve     run the HTTP server (default); applies pending migrations first
  migrate   apply pending migrations and exit
  admin     the operator's commands on users and keys (authd admin --help)
  import-nestjs --source URL [--dry-run] [--json]   copy the original NestJS service's users (--help: more)
Configuration comes from the environment and ./.env (AUTHD_ENV_FILE overrides the path).
)";

int runMigrate(authd::store::pg::PgPool& pool) {
  authd::store::pg::PgLedger ledger(pool);
  auto done = authd::store::pg::migrate(ledger, authd::store::pg::embeddedMigrations());
  if (!done) {
    std::fprintf(stderr, "authd: migrate failed: %s: %s\n", std::string(authd::codeName(done.error().code)).c_str(),
                 done.error().message.c_str());
    return 1;
  }
  if (done->empty()) {
    std::printf("migrate: nothing to apply, schema is up to date (%zu migrations)\n",
                authd::store::pg::embeddedMigrations().size());
  } else {
    for (const auto& name : *done) std::printf("migrate: applied %s\n", name.c_str());
  }
  return 0;
}

// The configuration as `serve` reads it; nullopt after saying why not on stderr.
std::optional<authd::config::Config> loadConfig() {
  const char* envFile = std::getenv("AUTHD_ENV_FILE");
  auto env = authd::config::gatherEnvironment(envFile ? envFile : ".env");
  if (!env) {
    std::fprintf(stderr, "authd: config: %s\n", env.error().c_str());
    return std::nullopt;
  }
  auto cfg = authd::config::load(*env);
  if (!cfg) {
    std::fprintf(stderr, "authd: config: %s\n", cfg.error().c_str());
    return std::nullopt;
  }
  return std::move(*cfg);
}

// A command-line tool's logging: warnings and errors only, on stderr (stdout is its output).
void cliLogging() {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("authd"));
  spdlog::set_level(spdlog::level::warn);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "admin") {
    cliLogging();
    signal(SIGPIPE, SIG_IGN);
    return authd::admin::run(argc - 2, argv + 2, loadConfig);
  }
  std::string command = "serve";
  int rest = argc;  // where import-nestjs's own arguments start
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "import-nestjs") {
      command = arg, rest = i + 1;
      if (auto rc = authd::importNestjsWithoutConfig(argc - rest, argv + rest)) return *rc;
      break;
    }
    if (arg == "--version" || arg == "-V") {
      std::printf("authd %s\n", AUTHD_VERSION);
      return 0;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "serve" || arg == "migrate") {
      command = arg;
    } else {
      std::fprintf(stderr, "authd: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }

  auto cfg = loadConfig();
  if (!cfg) return 2;
  authd::setupLogging(*cfg);

  if (command == "import-nestjs") return authd::runImportNestjs(*cfg, argc - rest, argv + rest);
  if (command == "migrate") {
    auto pool = authd::makePgPool(*cfg, 1);
    return runMigrate(*pool);
  }

  // Signals are blocked in every thread (created after this) and taken by sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  {
    // Apply migrations at start; PostgreSQL may still be starting, so wait a little.
    auto pool = authd::makePgPool(*cfg, 1);
    int rc = 1;
    for (int attempt = 0; attempt < 30 && (rc = runMigrate(*pool)) != 0; ++attempt) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (rc != 0) return 1;
  }

  authd::App app(*cfg);
  if (auto started = app.start(); !started) {
    spdlog::critical("cannot start: {}", started.error().message);
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  app.stop();
  spdlog::info("stopped");
  return 0;
}
