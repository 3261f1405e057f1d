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

events::Origin originOf(const HttpRequest& req) {
  events::Origin o;
  o.clientAddress = req.peer;
  if (const auto& ua = req.header(Hdr::kUserAgent)) o.userAgent = *ua;
  return o;
}

events::Context userContext(const HttpRequest& req, std::string userId) {
  return events::Context::user(std::move(userId), originOf(req));
}

}  // namespace authd::http
