// `authd admin`: the operator's command line on the same database and config as
// `authd serve` (SPEC.md "Identity", operator CLI). Every change writes its audit
// event with actor `operator` in the change's transaction and is announced on the
// invalidation bus (Redis pub/sub at once; PostgreSQL's poll within
// INVALIDATION_POLL_MS if Redis is down), so every running instance applies it
// within a second.
#pragma once

#include <functional>
#include <optional>

#include "config/config.hpp"

namespace authd::admin {

// Exit codes a script can use.
inline constexpr int kDone = 0;         // done (or nothing to change: already so)
inline constexpr int kNotFound = 1;     // no such user or key
inline constexpr int kBadUsage = 2;     // bad usage: unknown command, missing or bad argument
inline constexpr int kUnavailable = 3;  // the database is unavailable
inline constexpr int kRefused = 4;      // the change is not possible (e.g. disabling a revoked key)
inline constexpr int kFailed = 5;       // anything else (a database not migrated to this authd's schema, a bug)

// Loads the configuration (printing why not, then nullopt); called only once the command line is valid, so
// `--help` and usage errors need none.
using LoadConfig = std::function<std::optional<config::Config>()>;

// `argv`: the words after `admin`. Prints results on stdout (JSON with --json), errors on stderr.
int run(int argc, char** argv, const LoadConfig& loadConfig);

// The usage text of `authd admin` (also printed for bad usage).
const char* usage();

}  // namespace authd::admin
