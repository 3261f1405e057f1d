// GET /verify, nginx's auth_request target: the verdict in headers, never a body.
#pragma once

#include <functional>

#include "http/http_types.hpp"
#include "http/router.hpp"
#include "verify/verifier.hpp"

namespace authd::http {

// Called after each /verify decision (metrics); must be cheap.
using VerdictObserver = std::function<void(const verify::Verdict&)>;

// GET /verify?mode=jwt|apikey|any&scopes=a,b for nginx auth_request: an empty body
// and the verdict in headers. Runs inline on the I/O thread: it never waits on I/O
// on the warm path. An unknown mode is a 400 invalid_mode, decided before the verifier.
void addVerifyRoute(Router& router, verify::Verifier& verifier, VerdictObserver observer = {});

// The answer to one verdict: the status from http/error_table; X-Auth-Error and, on a
// 401, the RFC 6750 challenge when denied; Retry-After on rate_limited; RateLimit-*
// whenever a limit applied; the identity headers when allowed; the log fields. The
// body is always empty (nginx reads only the header of an auth subrequest).
HttpResponse verdictResponse(const verify::Verdict& v);

}  // namespace authd::http
