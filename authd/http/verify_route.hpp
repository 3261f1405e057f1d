// GET /verify, nginx's auth_request target: the verdict in headers, never a body.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "http/http_types.hpp"
#include "http/router.hpp"
#include "verify/verifier.hpp"

namespace authd::http {

// Called after each /verify decision (metrics); must be cheap.
using VerdictObserver = std::function<void(const verify::Verdict&)>;

// GET /verify?mode=jwt|apikey|any&scopes=a,b&cost=N for nginx auth_request: an empty
// body and the verdict in headers. Runs inline on the I/O thread: it never waits on I/O
// on the warm path (Redis only for limits and credits, one round trip). An unknown mode
// is a 400 invalid_mode, a bad cost a 400 invalid_cost, both decided before the verifier.
void addVerifyRoute(Router& router, verify::Verifier& verifier, VerdictObserver observer = {});

// `cost`: absent or empty = 1; else a whole number 0..keys::kMaxCost (nullopt otherwise).
std::optional<int64_t> parseCost(std::optional<std::string_view> text);

// The answer to one verdict: the status from http/error_table; X-Auth-Error and, on a
// 401, the RFC 6750 challenge when denied; Retry-After on rate_limited and on
// usage_exceeded with a refill; RateLimit-* whenever a limit applied (the tighter one);
// the identity headers and X-Credits-Remaining (keys with credits) when allowed; the log
// fields. The body is always empty (nginx reads only the header of an auth subrequest).
HttpResponse verdictResponse(const verify::Verdict& v);

}  // namespace authd::http
