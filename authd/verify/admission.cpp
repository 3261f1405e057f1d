#include "verify/admission.hpp"

#include <algorithm>

namespace authd::verify {
namespace {

constexpr size_t kMaxLocalWindows = 100'000;

bool applies(const std::optional<keys::RateLimit>& l) { return l && l->limit > 0 && l->windowSeconds > 0; }

int64_t floorSeconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

}  // namespace

Admitted Admission::admit(const AdmissionRequest& r) {
  Admitted a;
  AdmissionQuery q;
  q.nowMs = r.nowMs;
  if (applies(r.keyLimit) && !r.keyId.empty()) q.key = LimitQuery{'k', r.keyId, *r.keyLimit};
  if (applies(r.userLimit) && !r.userId.empty()) q.user = LimitQuery{'u', r.userId, *r.userLimit};
  const keys::Credits* credits = r.credits && *r.credits ? &**r.credits : nullptr;
  const int64_t nowS = floorSeconds(r.nowMs);
  if (credits) {
    CreditsQuery c;
    c.keyId = r.keyId;
    c.cost = r.cost;
    c.seedRemaining = credits->remaining;
    c.seedVersion = r.creditsVersion;
    c.seedPeriod = r.creditsPeriod;
    if (credits->refill) {
      c.refillAmount = credits->refill->amount;
      c.periodNow = keys::periodStart(credits->refill->interval, nowS);
    }
    q.credits = c;
  }
  if (!q.key && !q.user && !q.credits) return a;  // the hot path's common case: no I/O

  auto answer = store_.admit(q);
  bool shared = true;
  if (!answer) {
    if (q.credits) {
      a.result = AdmissionResult::kUnavailable;
      return a;
    }
    shared = false;
    answer = countLocally(q);
  }
  const bool admitted = answer->admitted();
  std::optional<RateDecision> key, user;
  if (q.key) key = describe(q.key->limit, answer->key.before, admitted, r.nowMs);
  if (q.user) user = describe(q.user->limit, answer->user.before, admitted, r.nowMs);
  // The headers describe the limit that refused (the longer wait if both did), else the tighter one.
  const bool keyRefused = q.key && !answer->key.allowed;
  const bool userRefused = q.user && !answer->user.allowed;
  if (keyRefused && userRefused) {
    const bool userLonger = user->retryAfterSeconds > key->retryAfterSeconds;
    a.rate = userLonger ? *user : *key;
    a.result = userLonger ? AdmissionResult::kUserLimited : AdmissionResult::kKeyLimited;
  } else if (keyRefused) {
    a.rate = *key;
    a.result = AdmissionResult::kKeyLimited;
  } else if (userRefused) {
    a.rate = *user;
    a.result = AdmissionResult::kUserLimited;
  } else {
    if (key && user) a.rate = user->remaining < key->remaining ? *user : *key;
    else if (key) a.rate = *key;
    else if (user) a.rate = *user;
    a.result = answer->creditsAllowed ? AdmissionResult::kAllowed : AdmissionResult::kUsageExceeded;
  }
  a.rate.shared = shared;
  if (credits) {
    if (answer->creditsRemaining >= 0) a.creditsRemaining = answer->creditsRemaining;  // -1: not looked at
    if (a.result == AdmissionResult::kUsageExceeded && credits->refill) {
      a.creditsRetryAfter = std::max<int64_t>(1, keys::nextPeriodStart(credits->refill->interval, nowS) - nowS);
    }
    if (a.result == AdmissionResult::kAllowed) a.creditsSpent = r.cost;
  }
  return a;
}

WindowCounts& Admission::localCounts(const LimitQuery& l, int64_t nowMs) {
  const int64_t index = windowIndex(nowMs, l.limit.windowSeconds);
  std::string name;
  name.reserve(l.id.size() + 24);
  name.push_back(l.scope);
  name.append(l.id).append(":").append(std::to_string(l.limit.windowSeconds));
  auto& w = local_[name];
  if (w.index != index) {
    // The window moved on: the current one becomes the previous (or nothing, after a gap).
    w.counts = WindowCounts{w.index == index - 1 ? w.counts.current : 0, 0};
    w.index = index;
  }
  return w.counts;
}

AdmissionAnswer Admission::countLocally(const AdmissionQuery& q) {
  localDecisions_.fetch_add(1);
  std::lock_guard lock(mu_);
  if (local_.size() > kMaxLocalWindows) local_.clear();  // bounded; a flood of ids only forgets local counts
  AdmissionAnswer answer;
  WindowCounts* key = q.key ? &localCounts(*q.key, q.nowMs) : nullptr;
  WindowCounts* user = q.user ? &localCounts(*q.user, q.nowMs) : nullptr;
  if (key) answer.key = {*key, slidingAllows(*key, q.key->limit, q.nowMs)};
  if (user) answer.user = {*user, slidingAllows(*user, q.user->limit, q.nowMs)};
  if (answer.admitted()) {
    if (key) ++key->current;
    if (user) ++user->current;
  }
  return answer;
}

}  // namespace authd::verify
