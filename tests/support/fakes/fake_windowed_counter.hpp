// Windowed counters in a map, on a FakeClock: the semantics of the Redis
// implementation (a window starts at the first hit and ends `window` later;
// decrement never goes below zero nor creates a key) without Redis.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/windowed_counter.hpp"

namespace authd::testing {

class FakeWindowedCounter final : public WindowedCounter {
 public:
  explicit FakeWindowedCounter(const Clock& clock) : clock_(clock) {}

  Result<WindowCount> increment(std::string_view key, std::chrono::seconds window) override {
    ++calls;
    if (down) return fail(Code::kCacheUnavailable);
    lastWindow = window;
    expire();
    auto [it, inserted] = slots_.try_emplace(std::string(key), Slot{0, clock_.now() + window});
    ++it->second.count;
    return WindowCount{it->second.count, resetsInOverride.value_or(secondsLeft(it->second.resetsAt))};
  }
  Status decrement(std::string_view key) override {
    ++calls;
    if (down) return fail(Code::kCacheUnavailable);
    expire();
    if (auto it = slots_.find(std::string(key)); it != slots_.end() && it->second.count > 0) --it->second.count;
    return {};
  }
  Status reset(std::string_view key) override {
    ++calls;
    if (down) return fail(Code::kCacheUnavailable);
    slots_.erase(std::string(key));
    return {};
  }

  // The live counts, by key (windows that ended are gone).
  std::map<std::string, int64_t> counts() {
    expire();
    std::map<std::string, int64_t> out;
    for (const auto& [k, s] : slots_) out.emplace(k, s.count);
    return out;
  }

  bool down = false;                        // every call fails as a Redis outage does
  std::optional<int64_t> resetsInOverride;  // report this instead of the window's seconds left (Redis TTL oddities)
  std::chrono::seconds lastWindow{0};       // the window the last increment asked for
  int calls = 0;                            // every call, failed or not

 private:
  struct Slot {
    int64_t count;
    SysTime resetsAt;
  };
  void expire() {
    std::erase_if(slots_, [&](const auto& kv) { return kv.second.resetsAt <= clock_.now(); });
  }
  int64_t secondsLeft(SysTime at) const {
    using namespace std::chrono_literals;
    return std::chrono::duration_cast<std::chrono::seconds>(at - clock_.now() + 999ms).count();
  }

  const Clock& clock_;
  std::map<std::string, Slot> slots_;
};

}  // namespace authd::testing
