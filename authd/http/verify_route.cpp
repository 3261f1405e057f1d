#include "http/verify_route.hpp"

#include <string>

#include "http/error_table.hpp"

namespace authd::http {

HttpResponse verdictResponse(const verify::Verdict& v) {
  HttpResponse r;
  r.headers.reserve(5);
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
    if (*v.error == Code::kRateLimited) r.header("Retry-After", std::to_string(v.rate.resetSeconds));
    r.logError = name;
    r.logSubject = v.keyId;
    return r;
  }
  r.header("X-Auth-Type", std::string(v.authType));
  r.header("X-User-Id", v.userId);
  if (!v.keyId.empty()) r.header("X-Key-Id", v.keyId);
  r.header("X-Auth-Scopes", v.scopes);
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
    verify::VerifyInput in;
    in.mode = *mode;
    in.requiredScopes = req.queryParam("scopes").value_or("");
    in.authorization = &req.header(Hdr::kAuthorization);
    in.apiKey = &req.header(Hdr::kApiKey);
    const verify::Verdict v = verifier.verify(in);
    if (observer) observer(v);
    return verdictResponse(v);
  });
}

}  // namespace authd::http
