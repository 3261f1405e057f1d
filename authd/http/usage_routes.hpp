// GET /keys/:id/usage and GET /usage: the caller's own usage, by bucket.
#pragma once

#include "core/clock.hpp"
#include "http/router.hpp"
#include "keys/usage_service.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

// The usage API: a JWT of an active user, the query parsed against `clock`, then one UsageService call.
void addUsageRoutes(Router& router, keys::UsageService& usage, const verify::JwtAuthenticator& jwt,
                    verify::UserStatusCache& users, const Clock& clock);

}  // namespace authd::http
