#include "import_cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "accounts/legacy_import.hpp"
#include "app.hpp"
#include "core/text.hpp"
#include "store/pg/migrations.hpp"
#include "store/pg/pg_ledger.hpp"
#include "store/pg/pg_nestjs_import.hpp"

namespace authd {
namespace {

constexpr const char* kUsage = R"(usage: authd import-nestjs --source URL [--dry-run] [--json]
Copies the original NestJS service's users (ids, emails, names, isActive, createdAt and their bcrypt password
hashes, replaced by argon2id at each user's next login) into authd's database, and lists their API keys for
re-issue (those keys exist only as bcrypt hashes and cannot work in authd). Insert-only: a user already in authd
is never changed, so a second run changes nothing; an email or id that authd has for another account is
reported, not merged.
  --source URL  the original service's PostgreSQL, postgres://USER@HOST:PORT/DB (only read); its password from
                PGPASSWORD or ~/.pgpass (a password in the URL works too, but shows in the process list)
  --dry-run     report what the import would do, and write nothing
  --json        print the report as one JSON object
  --help        this text
The target is authd's own database, configured as for `authd serve` (environment and ./.env); pending
migrations are applied first (not with --dry-run). Progress goes to stderr.
Exit codes: 0 done, 2 bad usage, 3 a database unavailable (source or target), 1 any other failure.
)";

// Progress lines on long imports: every this many users (one batch), and at the end.
constexpr size_t kBatch = 1000;
constexpr int kUnavailable = 3;

struct Args {
  std::string source;
  bool dryRun = false;
  bool json = false;
  bool help = false;
};

// The arguments, or what is wrong with them.
std::variant<Args, std::string> parse(int argc, char** argv) {
  Args a;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg == "--dry-run") {
      a.dryRun = true;
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--source" && i + 1 < argc) {
      a.source = argv[++i];
    } else if (arg.starts_with("--source=")) {
      a.source = std::string(arg.substr(9));
    } else if (arg == "--source") {
      return std::string("--source needs a URL");
    } else {
      // Never echo a word that may be the source URL (with its password) taken for an option.
      return arg.starts_with("--") ? "unknown option '" + std::string(arg) + "'"
                                   : std::string("unexpected argument (the source goes after --source)");
    }
  }
  if (a.help) return a;
  if (a.source.empty()) return std::string("--source URL is required");
  if (!a.source.starts_with("postgres://") && !a.source.starts_with("postgresql://")) {
    return std::string("--source must be a postgres:// or postgresql:// URL");
  }
  return a;
}

// The source URL's password (in the user info or a password= parameter), raw as typed; empty if none.
std::string passwordOf(std::string_view url) {
  const auto scheme = url.find("://");
  std::string_view rest = url.substr(scheme + 3);
  const auto query = rest.find('?');
  const std::string_view authority = rest.substr(0, query);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      return std::string(userinfo.substr(colon + 1));
    }
  }
  if (query != std::string_view::npos) {
    const std::string_view params = rest.substr(query + 1);
    if (const auto p = params.find("password="); p != std::string_view::npos && (p == 0 || params[p - 1] == '&')) {
      const std::string_view value = params.substr(p + 9);
      return std::string(value.substr(0, value.find('&')));
    }
  }
  return {};
}

// `text` with every occurrence of `secret` (raw or percent-decoded) replaced by ***.
std::string redacted(std::string text, const std::string& secret) {
  // libpq decodes the URL, so its messages may hold either form.
  for (const std::string& s : {secret, text::percentDecode(secret)}) {
    if (s.empty()) continue;
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3))
      text.replace(at, s.size(), "***");
  }
  return text;
}

int failed(const Error& e, const std::string& secret, std::string_view what) {
  std::fprintf(stderr, "authd import-nestjs: %s: %s\n", std::string(what).c_str(),
               redacted(e.message.empty() ? std::string(codeName(e.code)) : e.message, secret).c_str());
  return e.code == Code::kDatabaseUnavailable ? kUnavailable : 1;
}

}  // namespace

std::optional<int> importNestjsWithoutConfig(int argc, char** argv) {
  auto parsed = parse(argc, argv);
  if (const auto* problem = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "authd import-nestjs: %s\n%s", problem->c_str(), kUsage);
    return 2;
  }
  if (std::get<Args>(parsed).help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return std::nullopt;
}

int runImportNestjs(const config::Config& cfg, int argc, char** argv) {
  if (auto early = importNestjsWithoutConfig(argc, argv)) return *early;
  const Args args = std::get<Args>(parse(argc, argv));
  const std::string secret = passwordOf(args.source);
  if (!secret.empty()) {
    std::fprintf(stderr,
                 "import-nestjs: warning: the source URL holds a password, which other users of this machine can read "
                 "in the process list while the import runs; leave it out and set PGPASSWORD or ~/.pgpass instead "
                 "(libpq reads both)\n");
  }
  // stdout carries the report (one JSON object with --json): authd's logs go to stderr here, with the progress.
  auto logger = spdlog::stderr_logger_mt("import-nestjs");
  logger->set_level(spdlog::default_logger()->level());
  spdlog::set_default_logger(logger);
  // A source that does not answer fails within seconds rather than hanging (libpq waits forever by default).
  setenv("PGCONNECT_TIMEOUT", "10", 0);

  auto pool = makePgPool(cfg, 1);
  if (!args.dryRun) {
    store::pg::PgLedger ledger(*pool);
    auto migrated = store::pg::migrate(ledger, store::pg::embeddedMigrations());
    if (!migrated) return failed(migrated.error(), secret, "target: migrations");
    for (const auto& name : *migrated) std::fprintf(stderr, "import-nestjs: applied migration %s\n", name.c_str());
  }

  store::pg::NestjsImportOptions options;
  options.source = args.source;
  options.dryRun = args.dryRun;
  if (args.dryRun) options.migrations = store::pg::embeddedMigrations();
  options.batchSize = kBatch;
  options.progress = [](size_t done, size_t total) {
    std::fprintf(stderr, "import-nestjs: %zu of %zu users\n", done, total);
  };
  auto report = store::pg::importNestjs(*pool, options);
  if (!report) return failed(report.error(), secret, "import failed");

  const std::string source = redacted(args.source, secret);
  if (args.json) {
    auto out = accounts::reportJson(*report);
    out["source"] = source;
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("source: %s\n%s", source.c_str(), accounts::reportText(*report).c_str());
  }
  return 0;
}

}  // namespace authd
