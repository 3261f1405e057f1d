// A program a test starts itself (an extra authd, a Redis), with exactly the given settings; stopped
// (SIGTERM, then SIGKILL after 15 s) when the scope ends. Output goes to `logFile` (appended), or nowhere.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace authd::testing {

class Process {
 public:
  Process(std::vector<std::string> args, const std::vector<std::pair<std::string, std::string>>& settings,
          const std::string& logFile = "/dev/null") {
    std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
    for (const auto& [k, v] : settings) env.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, args[0].c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { stop(); }

  bool started() const { return pid_ > 0; }
  // SIGTERM and wait (SIGKILL after 15 s); idempotent.
  void stop() {
    if (pid_ <= 0) return;
    using namespace std::chrono_literals;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 150 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(100ms);
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace authd::testing
