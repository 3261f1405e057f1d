// Running a command line as an operator would (the authd binary's subcommands): through sh, with stdout and
// stderr kept apart, for tests that read a report on stdout and messages on stderr.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace authd::testing {

struct CliResult {
  int exitCode = -1;  // -1: did not exit normally
  std::string out;    // stdout
  std::string err;    // stderr
};

// Runs `cmd` through sh, its stdin empty, stdout and stderr apart; killed after `timeoutSeconds` (then SIGKILL
// 5 s later) so a hung command cannot hang the suite.
inline CliResult runShell(const std::string& cmd, int timeoutSeconds = 120) {
  TempDir dir("authd-cli");
  const std::string errFile = (dir.path() / "stderr").string();
  CliResult r;
  const std::string line =
      "timeout -k 5 " + std::to_string(timeoutSeconds) + " " + cmd + " 2>" + shellQuote(errFile) + " </dev/null";
  FILE* p = ::popen(line.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  if (status != -1 && WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  std::ifstream in(errFile);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

}  // namespace authd::testing
