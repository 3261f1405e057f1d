// Time is injected: services take a Clock&, tests pass a FakeClock.
#pragma once

#include <atomic>
#include <chrono>

namespace authd {

using SysTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock now (token iat/exp, expiresAt checks).
  virtual SysTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SysTime start = SysTime(std::chrono::seconds(1'800'000'000))) : ns_(start.time_since_epoch().count()) {}
  SysTime now() const override { return SysTime(SysTime::duration(ns_.load())); }
  void advance(std::chrono::nanoseconds d) { ns_ += std::chrono::duration_cast<SysTime::duration>(d).count(); }
  void set(SysTime t) { ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<SysTime::duration::rep> ns_;
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
