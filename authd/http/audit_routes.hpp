// GET /audit: the caller's own audit log, newest first, a page at a time.
#pragma once

#include "events/audit.hpp"
#include "http/router.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

// The audit API: a JWT of an active user, the query parsed, then one AuditLog call; {events: [...], next}.
void addAuditRoutes(Router& router, events::AuditLog& log, const verify::JwtAuthenticator& jwt,
                    verify::UserStatusCache& users);

}  // namespace authd::http
