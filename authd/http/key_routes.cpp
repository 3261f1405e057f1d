#include "http/key_routes.hpp"

#include "core/time_format.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

using json = OutJson;

json optionalTime(const std::optional<SysTime>& t) { return t ? json(formatIso8601(*t)) : json(nullptr); }

json rateLimitJson(const std::optional<keys::RateLimit>& r) {
  return r ? json{{"limit", r->limit}, {"windowSeconds", r->windowSeconds}} : json(nullptr);
}

// The requester's verified claims, if their token is good and they are active.
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

}  // namespace

void addKeyRoutes(Router& router, keys::KeyService& keys, const verify::JwtAuthenticator& jwt,
                  verify::UserStatusCache& users, const Clock& clock) {
  const auto create = [&keys, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto body = parseJsonBody(req);
    if (!body) return errorResponse(body.error());
    auto input = keys::parseCreateKeyRequest(*body, clock);
    if (!input) return errorResponse(input.error());
    auto created = keys.create(user->sub, *input);
    if (!created) return errorResponse(created.error());
    const auto& k = created->record;
    return withUser(jsonResponse(201, {{"id", k.id},
                                       {"key", created->key},
                                       {"name", k.name},
                                       {"prefix", k.prefix},
                                       {"scopes", k.scopes},
                                       {"rateLimit", rateLimitJson(k.rateLimit)},
                                       {"expiresAt", optionalTime(k.expiresAt)},
                                       {"createdAt", formatIso8601(k.createdAt)}}),
                    user->sub);
  };
  router.add(Method::kPost, "/keys/create", Exec::kWorker, create);
  router.add(Method::kPost, "/keys", Exec::kWorker, create);

  router.add(Method::kGet, "/keys", Exec::kWorker, [&keys, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto list = keys.list(user->sub);
    if (!list) return errorResponse(list.error());
    json out = json::array();
    for (const auto& k : *list) {
      out.push_back({{"id", k.id},
                     {"name", k.name},
                     {"prefix", k.prefix},
                     {"scopes", k.scopes},
                     {"rateLimit", rateLimitJson(k.rateLimit)},
                     {"isActive", k.isActive},
                     {"expiresAt", optionalTime(k.expiresAt)},
                     {"lastUsedAt", optionalTime(k.lastUsedAt)},
                     {"createdAt", formatIso8601(k.createdAt)}});
    }
    return withUser(jsonResponse(200, out), user->sub);
  });

  router.add(Method::kDelete, "/keys/:id", Exec::kWorker, [&keys, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    const std::string& id = req.params.at(0);
    if (auto s = keys.revoke(user->sub, id); !s) return errorResponse(s.error());
    return withUser(jsonResponse(200, {{"id", id}, {"message", "API key revoked"}}), user->sub);
  });
}

}  // namespace authd::http
