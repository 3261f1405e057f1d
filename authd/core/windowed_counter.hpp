// Counters that live for a window: login throttling (per email, per address)
// and API key rate limits count with the same interface. Redis implements it
// for every instance at once; tests pass a fake driven by a FakeClock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace authd {

// A count within a window, and the seconds until the window resets.
struct WindowCount {
  int64_t count = 0;
  int64_t resetsInSeconds = 0;
};

class WindowedCounter {
 public:
  virtual ~WindowedCounter() = default;
  // Adds one and returns the new count (atomic), starting a `window`-long window on the first hit.
  virtual Result<WindowCount> increment(std::string_view key, std::chrono::seconds window) = 0;
  // Takes one back: never below zero, never creating a key, never moving the window.
  virtual Status decrement(std::string_view key) = 0;
  // Forgets `key`.
  virtual Status reset(std::string_view key) = 0;
};

}  // namespace authd
