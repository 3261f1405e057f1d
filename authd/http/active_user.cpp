#include "http/active_user.hpp"

namespace authd::http {

Result<tokens::AccessClaims> activeUser(const HttpRequest& req, const verify::JwtAuthenticator& jwt,
                                        verify::UserStatusCache& users) {
  auto claims = jwt.authenticate(req.header(Hdr::kAuthorization), req.header(Hdr::kApiKey));
  if (!claims) return claims;
  auto active = users.isActive(claims->sub);
  if (!active) return fail(active.error());
  if (!active->has_value()) return fail(Code::kInvalidToken);
  if (!**active) return fail(Code::kUserInactive);
  return claims;
}

HttpResponse withUser(HttpResponse r, const std::string& userId) {
  r.logAuthType = "jwt";
  r.logSubject = userId;
  return r;
}

}  // namespace authd::http
