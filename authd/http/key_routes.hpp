// POST /keys/create (and POST /keys), GET /keys, DELETE /keys/:id.
#pragma once

#include "core/clock.hpp"
#include "http/json_io.hpp"
#include "http/router.hpp"
#include "keys/key_service.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

// A key as every listing shows it (GET /keys, GET /keys/:id, `authd admin keys show`): never its hash, never the key.
OutJson keyJson(const keys::KeyRecord& k, const Clock& clock);

// The key API: a JWT of an active user, then one KeyService call.
void addKeyRoutes(Router& router, keys::KeyService& keys, const verify::JwtAuthenticator& jwt,
                  verify::UserStatusCache& users, const Clock& clock);

}  // namespace authd::http
