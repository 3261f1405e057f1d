// GET /auth/sessions, DELETE /auth/sessions/:id, POST /auth/logout-all,
// POST /auth/password, POST /auth/password-reset/request and /confirm.
#pragma once

#include "accounts/password_service.hpp"
#include "accounts/session_service.hpp"
#include "http/router.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

void addSessionRoutes(Router& router, accounts::SessionService& sessions, accounts::PasswordService& passwords,
                      const verify::JwtAuthenticator& jwt, verify::UserStatusCache& users);

}  // namespace authd::http
