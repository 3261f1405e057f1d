#include "verify/verifier.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "verify/credentials.hpp"

namespace authd::verify {

std::optional<Mode> parseMode(std::string_view text) {
  if (text == "jwt") return Mode::kJwt;
  if (text == "apikey") return Mode::kApiKey;
  if (text == "any") return Mode::kAny;
  return std::nullopt;
}

bool hasScopes(const std::vector<std::string>& granted, std::string_view required) {
  while (!required.empty()) {
    const auto comma = required.find(',');
    const auto scope = required.substr(0, comma);
    if (!scope.empty() && std::ranges::find(granted, scope) == granted.end()) return false;
    required = comma == std::string_view::npos ? std::string_view{} : required.substr(comma + 1);
  }
  return true;
}

Verdict Verifier::verify(const VerifyInput& in) {
  static const std::optional<std::string> kNone;
  const Credential c =
      extractCredential(in.mode, in.authorization ? *in.authorization : kNone, in.apiKey ? *in.apiKey : kNone);
  Verdict v;
  switch (c.kind) {
    case CredentialKind::kNone: v.error = Code::kMissingCredentials; return v;
    case CredentialKind::kWrongKind: v.error = Code::kWrongCredentialType; return v;
    case CredentialKind::kJwt: return verifyJwt(c.value, in.requiredScopes);
    case CredentialKind::kApiKey: return verifyKey(c.value, in.requiredScopes, in.cost);
  }
  v.error = Code::kInvalidToken;
  return v;
}

std::optional<Code> Verifier::checkUser(std::string_view userId, std::optional<keys::RateLimit>& userLimit) {
  auto status = users_.status(userId);
  if (!status) return status.error().code;
  if (!status->has_value()) return Code::kInvalidCredentials;
  if (!(*status)->active) return Code::kUserInactive;
  const auto& override = (*status)->rateLimit;
  userLimit = override ? keys::RateLimit{override->limit, override->windowSeconds} : defaults_.user;
  return std::nullopt;
}

bool Verifier::admitted(const Admitted& a, Verdict& v) {
  v.admission = a.result;
  v.rate = a.rate;
  v.creditsRemaining = a.creditsRemaining;
  v.creditsSpent = a.creditsSpent;
  switch (a.result) {
    case AdmissionResult::kNone:
    case AdmissionResult::kAllowed: return true;
    case AdmissionResult::kKeyLimited:
    case AdmissionResult::kUserLimited: v.error = Code::kRateLimited; return false;
    case AdmissionResult::kUsageExceeded:
      v.error = Code::kUsageExceeded;
      v.creditsRetryAfter = a.creditsRetryAfter;
      return false;
    case AdmissionResult::kUnavailable: v.error = Code::kCacheUnavailable; return false;
  }
  return false;
}

Verdict Verifier::verifyJwt(std::string_view token, std::string_view requiredScopes) {
  Verdict v;
  auto claims = jwt_.verifyToken(token);
  if (!claims) {
    v.error = claims.error().code;
    return v;
  }
  std::optional<keys::RateLimit> userLimit;
  if (auto bad = checkUser(claims->sub, userLimit)) {
    v.error = *bad == Code::kInvalidCredentials ? Code::kInvalidToken : *bad;
    return v;
  }
  // Scopes belong to API keys: a route that requires scopes admits only keys that carry them.
  if (!requiredScopes.empty()) {
    v.error = Code::kInsufficientScope;
    return v;
  }
  // A user's limit counts their JWT requests too.
  AdmissionRequest ar;
  ar.userId = claims->sub;
  ar.userLimit = userLimit;
  ar.nowMs = toUnixMillis(clock_.now());
  if (!admitted(admission_.admit(ar), v)) return v;
  v.authType = "jwt";
  v.userId = std::move(claims->sub);
  return v;
}

Verdict Verifier::verifyKey(std::string_view key, std::string_view requiredScopes, int64_t cost) {
  // A bad format or checksum never leaves the process.
  if (!keys::isWellFormedKey(key)) {
    Verdict v;
    v.error = Code::kMalformedKey;
    return v;
  }
  auto found = keys_.lookup(crypto::sha256Hex(key));
  if (!found) {
    Verdict v;
    v.error = found.error().code;
    return v;
  }
  const auto& info = found->info;
  if (!info) {
    Verdict v;
    v.keyTier = found->tier;
    v.error = Code::kInvalidKey;
    return v;
  }
  const int64_t nowMs = toUnixMillis(clock_.now());
  Verdict v = decideKnownKey(*info, requiredScopes, cost, nowMs);
  v.keyTier = found->tier;
  usage_.record(info->id, nowMs, outcomeOf(v.error));
  return v;
}

Verdict Verifier::decideKnownKey(const KeyInfo& info, std::string_view requiredScopes, int64_t cost, int64_t nowMs) {
  Verdict v;
  if (!info.isActive) {
    v.error = Code::kKeyRevoked;
    return v;
  }
  if (!info.enabled) {
    v.error = Code::kKeyDisabled;
    return v;
  }
  if (info.expiresAtMs >= 0 && info.expiresAtMs <= nowMs) {
    v.error = Code::kKeyExpired;
    return v;
  }
  std::optional<keys::RateLimit> userLimit;
  if (auto bad = checkUser(info.userId, userLimit)) {
    v.error = *bad == Code::kInvalidCredentials ? Code::kInvalidKey : *bad;
    return v;
  }
  if (!hasScopes(info.scopes, requiredScopes)) {
    v.error = Code::kInsufficientScope;
    return v;
  }
  // Limits and credits last: only a request otherwise allowed is counted or spends.
  AdmissionRequest ar;
  ar.keyId = info.id;
  ar.userId = info.userId;
  ar.keyLimit = info.rateLimit.value_or(defaults_.key);
  ar.userLimit = userLimit;
  ar.credits = &info.credits;
  ar.creditsVersion = info.creditsVersion;
  ar.creditsPeriod = info.creditsPeriod;
  ar.cost = cost;
  ar.nowMs = nowMs;
  if (!admitted(admission_.admit(ar), v)) {
    v.keyId = info.id;
    return v;
  }
  lastUsed_.record(info.id, nowMs);
  v.authType = "apiKey";
  v.userId = info.userId;
  v.keyId = info.id;
  v.scopes = info.scopesHeader;
  return v;
}

}  // namespace authd::verify
