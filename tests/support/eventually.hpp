// Waiting for something another thread (or process) does, without a fixed sleep.
#pragma once

#include <chrono>
#include <thread>

namespace authd::testing {

// Polls pred() every `every` until it returns true (true) or timeout passes (false).
template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace authd::testing
