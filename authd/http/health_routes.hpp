// GET /healthz (the process answers) and GET /readyz (its dependencies do).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/router.hpp"

namespace authd::http {

// One dependency /readyz checks: a name ("postgres") and a bounded check.
struct ReadinessProbe {
  std::string name;
  Code downCode;                  // the error code when it is down
  std::function<Status()> check;  // must return within the dependency's timeout
};

// Registers /healthz (inline) and /readyz (worker: it waits on the probes).
void addHealthRoutes(Router& router, std::vector<ReadinessProbe> probes);

}  // namespace authd::http
