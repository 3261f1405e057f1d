// `authd import-nestjs`: moves the original NestJS service's users into authd and lists their API keys for
// re-issue (README, "Moving from the original NestJS service"). A CLI adapter: it parses, runs
// store/pg/pg_nestjs_import, prints accounts/legacy_import's report.
#pragma once

#include <optional>

#include "config/config.hpp"

namespace authd {

// What `authd import-nestjs ARGS` does before any configuration is read: the exit code for --help (0, the usage on
// stdout) or bad usage (2, a message and the usage on stderr); nullopt when the import should run. argv holds the
// words after `import-nestjs`.
std::optional<int> importNestjsWithoutConfig(int argc, char** argv);

// Runs `authd import-nestjs ARGS` against the database of `cfg` (pending migrations first, unless --dry-run).
// Exit codes: 0 done, 2 bad usage, 3 a database unavailable (source or target), 1 any other failure.
int runImportNestjs(const config::Config& cfg, int argc, char** argv);

}  // namespace authd
