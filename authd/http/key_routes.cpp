#include "http/key_routes.hpp"

#include "core/time_format.hpp"
#include "http/error_table.hpp"
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

void addVerifyRoute(Router& router, verify::Verifier& verifier, VerdictObserver observer) {
  router.add(Method::kGet, "/verify", Exec::kInline, [&verifier, observer](const HttpRequest& req) {
    HttpResponse r;
    r.headers.reserve(5);
    r.body.clear();  // nginx reads only the header of an auth subrequest
    const auto modeText = req.queryParam("mode");
    const auto mode = verify::parseMode(modeText.value_or("any"));
    if (!mode) {
      r.status = 400;
      r.header("X-Auth-Error", "invalid_mode");
      r.logError = "invalid_mode";
      return r;
    }
    verify::VerifyInput in;
    in.mode = *mode;
    in.requiredScopes = req.queryParam("scopes").value_or("");
    in.authorization = &req.header(Hdr::kAuthorization);
    in.apiKey = &req.header(Hdr::kApiKey);
    const verify::Verdict v = verifier.verify(in);
    if (observer) observer(v);

    if (v.rate.limit > 0) {
      r.header("RateLimit-Limit", std::to_string(v.rate.limit));
      r.header("RateLimit-Remaining", std::to_string(v.rate.remaining));
      r.header("RateLimit-Reset", std::to_string(v.rate.resetSeconds));
    }
    if (v.error) {
      const std::string_view name = codeName(*v.error);
      r.status = statusOf(*v.error);
      r.header("X-Auth-Error", std::string(name));
      // RFC 6750: the scheme expected, and why the credential failed when one was sent.
      if (r.status == 401) {
        r.header("WWW-Authenticate", *v.error == Code::kMissingCredentials
                                         ? "Bearer realm=\"authd\""
                                         : "Bearer realm=\"authd\", error=\"invalid_token\"");
      }
      if (*v.error == Code::kRateLimited) r.header("Retry-After", std::to_string(v.rate.resetSeconds));
      r.logError = name;
      r.logSubject = v.keyId;
      return r;
    }
    r.header("X-Auth-Type", std::string(v.authType));
    r.header("X-User-Id", v.userId);
    if (!v.keyId.empty()) r.header("X-Key-Id", v.keyId);
    r.header("X-Auth-Scopes", v.scopes);
    r.logAuthType = v.authType;
    r.logSubject = v.keyId.empty() ? v.userId : v.keyId;
    return r;
  });
}

}  // namespace authd::http
