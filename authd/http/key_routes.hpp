// POST /keys/create (and POST /keys), GET /keys, DELETE /keys/:id; GET /verify.
#pragma once

#include "core/clock.hpp"
#include "http/router.hpp"
#include "keys/key_service.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"
#include "verify/verifier.hpp"

namespace authd::http {

// The key API: a JWT of an active user, then one KeyService call.
void addKeyRoutes(Router& router, keys::KeyService& keys, const verify::JwtAuthenticator& jwt,
                  verify::UserStatusCache& users, const Clock& clock);

// Called after each /verify decision (metrics); must be cheap.
using VerdictObserver = std::function<void(const verify::Verdict&)>;

// GET /verify?mode=jwt|apikey|any&scopes=a,b for nginx auth_request: an empty body
// and the verdict in headers. Runs inline on the I/O thread: it never waits on I/O
// on the warm path.
void addVerifyRoute(Router& router, verify::Verifier& verifier, VerdictObserver observer = {});

}  // namespace authd::http
