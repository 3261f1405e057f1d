#include "verify/usage_outcome.hpp"

namespace authd::verify {

std::string_view outcomeName(Outcome o) {
  switch (o) {
    case Outcome::kValid: return "valid";
    case Outcome::kRateLimited: return "rate_limited";
    case Outcome::kUsageExceeded: return "usage_exceeded";
    case Outcome::kDisabled: return "disabled";
    case Outcome::kExpired: return "expired";
    case Outcome::kRevoked: return "revoked";
    case Outcome::kOther: return "other";
  }
  return "other";
}

Outcome outcomeOf(const std::optional<Code>& error) {
  if (!error) return Outcome::kValid;
  switch (*error) {
    case Code::kRateLimited: return Outcome::kRateLimited;
    case Code::kUsageExceeded: return Outcome::kUsageExceeded;
    case Code::kKeyDisabled: return Outcome::kDisabled;
    case Code::kKeyExpired: return Outcome::kExpired;
    case Code::kKeyRevoked: return Outcome::kRevoked;
    default: return Outcome::kOther;
  }
}

}  // namespace authd::verify
