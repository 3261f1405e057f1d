// POST /auth/signup, /auth/login, /auth/refresh, /auth/logout; GET /auth/me.
#pragma once

#include "accounts/account_service.hpp"
#include "http/router.hpp"
#include "verify/jwt_authenticator.hpp"

namespace authd::http {

void addAccountRoutes(Router& router, accounts::AccountService& accounts, const verify::JwtAuthenticator& jwt);

}  // namespace authd::http
