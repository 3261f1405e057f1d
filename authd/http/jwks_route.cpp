#include "http/jwks_route.hpp"

namespace authd::http {

void addJwksRoute(Router& router, const tokens::AccessTokens& tokens) {
  router.add(Method::kGet, "/.well-known/jwks.json", Exec::kInline, [&tokens](const HttpRequest&) {
    HttpResponse r;
    r.body = tokens.jwks();
    r.header("Cache-Control", "public, max-age=300");
    return r;
  });
}

}  // namespace authd::http
