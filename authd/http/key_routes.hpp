// POST /keys/create (and POST /keys), GET /keys, DELETE /keys/:id.
#pragma once

#include "core/clock.hpp"
#include "http/router.hpp"
#include "keys/key_service.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

// The key API: a JWT of an active user, then one KeyService call.
void addKeyRoutes(Router& router, keys::KeyService& keys, const verify::JwtAuthenticator& jwt,
                  verify::UserStatusCache& users, const Clock& clock);

}  // namespace authd::http
