// verify::AdmissionStore in maps: the Redis script's semantics (check every
// limit and the credits, then count and spend only if all allow; seed credits
// from the grant, refill at a later period) without Redis. `down` answers as
// Redis being unreachable; `calls` counts round trips.
#pragma once

#include <algorithm>
#include <map>
#include <string>

#include "verify/admission.hpp"
#include "verify/sliding_window.hpp"

namespace authd::testing {

class FakeAdmissionStore final : public verify::AdmissionStore {
 public:
  struct CreditsCopy {
    int64_t version = 0;
    int64_t remaining = 0;
    int64_t period = 0;
  };

  Result<verify::AdmissionAnswer> admit(const verify::AdmissionQuery& q) override {
    ++calls;
    last = q;
    if (down) return fail(Code::kCacheUnavailable);
    verify::AdmissionAnswer a;
    if (q.key) a.key = check(*q.key, q.nowMs);
    if (q.user) a.user = check(*q.user, q.nowMs);
    if (a.key.allowed && a.user.allowed && q.credits) {
      const auto& c = *q.credits;
      auto it = credits.find(std::string(c.keyId));
      CreditsCopy copy = it == credits.end() || it->second.version < c.seedVersion
                             ? CreditsCopy{c.seedVersion, c.seedRemaining, c.seedPeriod}
                             : it->second;
      if (c.refillAmount > 0 && copy.period < c.periodNow) copy = {copy.version, c.refillAmount, c.periodNow};
      if (copy.remaining >= std::max<int64_t>(c.cost, 1)) {
        copy.remaining -= c.cost;
      } else {
        a.creditsAllowed = false;
      }
      a.creditsRemaining = copy.remaining;
      credits[std::string(c.keyId)] = copy;
    } else {
      a.creditsRemaining = -1;
    }
    if (a.admitted()) {
      if (q.key) ++windows[name(*q.key, q.nowMs, 0)];
      if (q.user) ++windows[name(*q.user, q.nowMs, 0)];
    }
    return a;
  }

  std::map<std::string, int64_t> windows;      // "<scope>:<id>:<window>:<index>" → count
  std::map<std::string, CreditsCopy> credits;  // key id → live copy
  verify::AdmissionQuery last;                 // ids are views: valid only during the call's statement
  bool down = false;
  int calls = 0;

 private:
  static std::string name(const verify::LimitQuery& l, int64_t nowMs, int64_t back) {
    return std::string(1, l.scope) + ":" + std::string(l.id) + ":" + std::to_string(l.limit.windowSeconds) + ":" +
           std::to_string(verify::windowIndex(nowMs, l.limit.windowSeconds) - back);
  }
  verify::LimitAnswer check(const verify::LimitQuery& l, int64_t nowMs) {
    const verify::WindowCounts counts{windows[name(l, nowMs, 1)], windows[name(l, nowMs, 0)]};
    return {counts, verify::slidingAllows(counts, l.limit, nowMs)};
  }
};

}  // namespace authd::testing
