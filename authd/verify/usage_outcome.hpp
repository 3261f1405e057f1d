// What /verify answered for a key, as usage counts it (SPEC.md "Usage, credits
// and limits"), and the interface the hot path records it through.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace authd::verify {

enum class Outcome : uint8_t { kValid, kRateLimited, kUsageExceeded, kDisabled, kExpired, kRevoked, kOther };
inline constexpr size_t kOutcomeCount = 7;

// valid | rate_limited | usage_exceeded | disabled | expired | revoked | other
std::string_view outcomeName(Outcome o);
// The outcome of a verification of a known key: allowed (nullopt) or denied with `error`.
Outcome outcomeOf(const std::optional<Code>& error);

// Counts per outcome, indexed by Outcome.
using OutcomeCounts = std::array<int64_t, kOutcomeCount>;

// Where /verify records each answer about a known key. Must cost the hot path a memory increment.
class UsageRecorder {
 public:
  virtual ~UsageRecorder() = default;
  virtual void record(std::string_view keyId, int64_t nowMs, Outcome outcome) = 0;
};

// Counts nothing (usage counting off, and tests that do not look at usage).
class NoUsage final : public UsageRecorder {
 public:
  void record(std::string_view, int64_t, Outcome) override {}
};

}  // namespace authd::verify
