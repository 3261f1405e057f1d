// A Config for building a real App in unit tests: its constructor wires every
// route but connects to nothing (pools are lazy; start() is never called), and
// the stores' ports are closed, so the stop-time flush fails at once.
#pragma once

#include <string>

#include "config/config.hpp"

namespace authd::testing {

inline auto offlineAppConfig() {
  return config::load({{"JWT_SECRET", std::string(48, 'k')},
                       {"AUTHD_DEV", "1"},
                       {"ARGON2_MEMORY_KIB", "8"},
                       {"ARGON2_ITERATIONS", "1"},
                       {"WORKER_THREADS", "1"},
                       {"DB_PORT", "1"},
                       {"REDIS_PORT", "1"},
                       {"REDIS_TIMEOUT_MS", "50"}});
}

}  // namespace authd::testing
