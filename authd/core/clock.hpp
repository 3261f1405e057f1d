// Time is injected: services take a Clock&, tests pass a FakeClock. One time
// source with two clocks: the wall clock for what is written down or compared
// with other machines (token iat/exp, expiresAt, rate-limit windows), the
// monotonic one for how long something lasts here (cache freshness, schedules,
// poll intervals), which a wall-clock step must not stretch or shrink.
#pragma once

#include <atomic>
#include <chrono>

namespace authd {

using SysTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock now (token iat/exp, expiresAt checks).
  virtual SysTime now() const = 0;
  // Monotonic now (TTLs, freshness, schedules, intervals).
  virtual SteadyTime monotonic() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime now() const override { return std::chrono::system_clock::now(); }
  SteadyTime monotonic() const override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told to; for tests. advance() moves both clocks;
// set() steps only the wall clock, as an NTP correction would.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SysTime start = SysTime(std::chrono::seconds(1'800'000'000)))
      : ns_(start.time_since_epoch().count()) {}
  SysTime now() const override { return SysTime(SysTime::duration(ns_.load())); }
  SteadyTime monotonic() const override { return SteadyTime(SteadyTime::duration(steadyNs_.load())); }
  void advance(std::chrono::nanoseconds d) {
    ns_ += std::chrono::duration_cast<SysTime::duration>(d).count();
    steadyNs_ += std::chrono::duration_cast<SteadyTime::duration>(d).count();
  }
  void set(SysTime t) { ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<SysTime::duration::rep> ns_;
  // Starts an hour in, so "now minus a TTL" never goes below the epoch.
  std::atomic<SteadyTime::duration::rep> steadyNs_{
      std::chrono::duration_cast<SteadyTime::duration>(std::chrono::hours(1)).count()};
};

inline int64_t toUnixSeconds(SysTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

inline int64_t toUnixMillis(SysTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline SysTime fromUnixMillis(int64_t ms) {
  return SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace authd
