#include "http/account_routes.hpp"

#include "core/time_format.hpp"
#include "http/active_user.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

using nlohmann::json;

HttpResponse sessionResponse(int status, const Result<accounts::Session>& s) {
  if (!s) return errorResponse(s.error());
  HttpResponse r =
      jsonResponse(status, {{"user", {{"id", s->user.id}, {"email", s->user.email}, {"name", s->user.name}}},
                            {"accessToken", s->accessToken},
                            {"refreshToken", s->refreshToken}});
  r.logAuthType = "password";
  r.logSubject = s->user.id;
  return r;
}

// Parses the body with `parse`, or returns the error response.
template <typename Parse>
auto parseBody(const HttpRequest& req, Parse parse) -> decltype(parse(json{})) {
  auto body = parseJsonBody(req);
  if (!body) return fail(body.error());
  return parse(*body);
}

}  // namespace

void addAccountRoutes(Router& router, accounts::AccountService& accounts, const verify::JwtAuthenticator& jwt) {
  router.add(Method::kPost, "/auth/signup", Exec::kWorker, [&accounts](const HttpRequest& req) {
    auto input = parseBody(req, accounts::parseSignup);
    if (!input) return errorResponse(input.error());
    return sessionResponse(201, accounts.signup(*input, originOf(req)));
  });

  router.add(Method::kPost, "/auth/login", Exec::kWorker, [&accounts](const HttpRequest& req) {
    auto input = parseBody(req, accounts::parseLogin);
    if (!input) return errorResponse(input.error());
    return sessionResponse(200, accounts.login(*input, originOf(req)));
  });

  router.add(Method::kPost, "/auth/refresh", Exec::kWorker, [&accounts](const HttpRequest& req) {
    auto token = parseBody(req, accounts::parseRefresh);
    if (!token) return errorResponse(token.error());
    return sessionResponse(200, accounts.refresh(*token));
  });

  router.add(Method::kPost, "/auth/logout", Exec::kWorker, [&accounts, &jwt](const HttpRequest& req) {
    auto claims = jwt.authenticate(req.header(Hdr::kAuthorization), req.header(Hdr::kApiKey));
    if (!claims) return errorResponse(claims.error());
    // The body is optional: an empty one means "this session only".
    Result<std::optional<std::string>> token = std::optional<std::string>();
    if (!req.body.empty()) token = parseBody(req, accounts::parseLogout);
    if (!token) return errorResponse(token.error());
    if (auto s = accounts.logout(*claims, *token, originOf(req)); !s) return errorResponse(s.error());
    HttpResponse r = jsonResponse(200, {{"message", "Logged out"}});
    r.logAuthType = "jwt";
    r.logSubject = claims->sub;
    return r;
  });

  router.add(Method::kGet, "/auth/me", Exec::kWorker, [&accounts, &jwt](const HttpRequest& req) {
    auto claims = jwt.authenticate(req.header(Hdr::kAuthorization), req.header(Hdr::kApiKey));
    if (!claims) return errorResponse(claims.error());
    auto user = accounts.me(claims->sub);
    if (!user) return errorResponse(user.error());
    HttpResponse r = jsonResponse(200, {{"id", user->id},
                                        {"email", user->email},
                                        {"name", user->name},
                                        {"createdAt", formatIso8601(user->createdAt)}});
    r.logAuthType = "jwt";
    r.logSubject = user->id;
    return r;
  });
}

}  // namespace authd::http
