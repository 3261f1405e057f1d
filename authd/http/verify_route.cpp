#include "http/verify_route.hpp"

#include <charconv>
#include <string>

#include "http/error_table.hpp"
#include "keys/credits.hpp"

namespace authd::http {

std::optional<int64_t> parseCost(std::optional<std::string_view> text) {
  if (!text || text->empty()) return 1;
  const std::string_view s = *text;
  if (s.size() > 4) return std::nullopt;
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n < 0 || n > keys::kMaxCost) return std::nullopt;
  return n;
}

HttpResponse verdictResponse(const verify::Verdict& v) {
  HttpResponse r;
  r.headers.reserve(6);
  if (v.rate.limit > 0) {
    r.header("RateLimit-Limit", std::to_string(v.rate.limit));
    r.header("RateLimit-Remaining", std::to_string(v.rate.remaining));
    r.header("RateLimit-Reset", std::to_string(v.rate.resetSeconds));
  }
  if (v.error) {
    const std::string_view name = codeName(*v.error);
    r.status = statusOf(*v.error);
    r.header("X-Auth-Error", std::string(name));
    // RFC 6750: the scheme expected, and why the credential failed when one was sent.
    if (r.status == 401) {
      r.header("WWW-Authenticate", *v.error == Code::kMissingCredentials
                                       ? "Bearer realm=\"authd\""
                                       : "Bearer realm=\"authd\", error=\"invalid_token\"");
    }
    if (*v.error == Code::kRateLimited) r.header("Retry-After", std::to_string(v.rate.retryAfterSeconds));
    if (*v.error == Code::kUsageExceeded && v.creditsRetryAfter > 0) {
      r.header("Retry-After", std::to_string(v.creditsRetryAfter));
    }
    r.logError = name;
    r.logSubject = v.keyId;
    return r;
  }
  r.header("X-Auth-Type", std::string(v.authType));
  r.header("X-User-Id", v.userId);
  if (!v.keyId.empty()) r.header("X-Key-Id", v.keyId);
  r.header("X-Auth-Scopes", v.scopes);
  if (v.creditsRemaining) r.header("X-Credits-Remaining", std::to_string(*v.creditsRemaining));
  r.logAuthType = v.authType;
  r.logSubject = v.keyId.empty() ? v.userId : v.keyId;
  return r;
}

void addVerifyRoute(Router& router, verify::Verifier& verifier, VerdictObserver observer) {
  router.add(Method::kGet, "/verify", Exec::kInline, [&verifier, observer](const HttpRequest& req) {
    const auto mode = verify::parseMode(req.queryParam("mode").value_or("any"));
    // Refused before the verifier runs: not a decision about a credential, so not observed.
    if (!mode) {
      verify::Verdict refused;
      refused.error = Code::kInvalidMode;
      return verdictResponse(refused);
    }
    const auto cost = parseCost(req.queryParam("cost"));
    if (!cost) {
      verify::Verdict refused;
      refused.error = Code::kInvalidCost;
      return verdictResponse(refused);
    }
    verify::VerifyInput in;
    in.mode = *mode;
    in.requiredScopes = req.queryParam("scopes").value_or("");
    in.authorization = &req.header(Hdr::kAuthorization);
    in.apiKey = &req.header(Hdr::kApiKey);
    in.cost = *cost;
    const verify::Verdict v = verifier.verify(in);
    if (observer) observer(v);
    return verdictResponse(v);
  });
}

}  // namespace authd::http
