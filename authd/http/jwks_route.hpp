// GET /.well-known/jwks.json: the public keys that verify access tokens (RFC 7517 §5), so an upstream checks
// tokens with any JOSE library and no shared secret. Empty under HS256: the secret is never published.
#pragma once

#include "http/router.hpp"
#include "tokens/access_tokens.hpp"

namespace authd::http {

// Registers the route; it answers the document built at start from memory, inline, cacheable for five
// minutes (a rotated-in key is published before it signs: see README "Signing keys").
void addJwksRoute(Router& router, const tokens::AccessTokens& tokens);

}  // namespace authd::http
