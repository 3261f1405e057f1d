// The caller of the key and usage APIs: a JWT of an active user.
#pragma once

#include <string>

#include "core/error.hpp"
#include "events/event.hpp"
#include "http/http_types.hpp"
#include "tokens/access_tokens.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

// The requester's verified claims, if their token is good and they are active.
Result<tokens::AccessClaims> activeUser(const HttpRequest& req, const verify::JwtAuthenticator& jwt,
                                        verify::UserStatusCache& users);

// Where a request came from, for the audit log: the client address (X-Real-IP behind nginx) and User-Agent.
events::Origin originOf(const HttpRequest& req);
// A change made by `userId` through this request.
events::Context userContext(const HttpRequest& req, std::string userId);

// The response, logged as the JWT's user.
HttpResponse withUser(HttpResponse r, const std::string& userId);

}  // namespace authd::http
