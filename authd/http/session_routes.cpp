#include "http/session_routes.hpp"

#include "core/time_format.hpp"
#include "http/active_user.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

OutJson sessionJson(const accounts::ListedSession& s) {
  const auto orNull = [](const std::string& v) { return v.empty() ? OutJson(nullptr) : OutJson(v); };
  return {{"id", s.session.id},
          {"createdAt", formatIso8601(s.session.createdAt)},
          {"lastRefreshedAt", formatIso8601(s.session.lastRefreshedAt)},
          {"userAgent", orNull(s.session.userAgent)},
          {"ip", orNull(s.session.clientAddress)},
          {"current", s.current}};
}

// The body parsed with `parse`, or its error.
template <typename Parse>
auto parsed(const HttpRequest& req, Parse parse) -> decltype(parse(nlohmann::json{})) {
  auto body = parseJsonBody(req);
  if (!body) return fail(body.error());
  return parse(*body);
}

}  // namespace

void addSessionRoutes(Router& router, accounts::SessionService& sessions, accounts::PasswordService& passwords,
                      const verify::JwtAuthenticator& jwt, verify::UserStatusCache& users) {
  router.add(Method::kGet, "/auth/sessions", Exec::kWorker, [&sessions, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto list = sessions.list(*user);
    if (!list) return errorResponse(list.error());
    OutJson out = OutJson::array();
    for (const auto& s : *list) out.push_back(sessionJson(s));
    return withUser(jsonResponse(200, out), user->sub);
  });

  router.add(Method::kDelete, "/auth/sessions/:id", Exec::kWorker, [&sessions, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    const std::string& id = req.params.at(0);
    if (auto s = sessions.revoke(*user, id, originOf(req)); !s) return errorResponse(s.error());
    return withUser(jsonResponse(200, {{"id", id}, {"message", "Session revoked"}}), user->sub);
  });

  router.add(Method::kPost, "/auth/logout-all", Exec::kWorker, [&sessions, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto ended = sessions.revokeAll(*user, originOf(req));
    if (!ended) return errorResponse(ended.error());
    return withUser(jsonResponse(200, {{"revoked", *ended}, {"message", "Logged out of every session"}}), user->sub);
  });

  router.add(Method::kPost, "/auth/password", Exec::kWorker, [&passwords, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto input = parsed(req, accounts::parseChangePassword);
    if (!input) return errorResponse(input.error());
    if (auto s = passwords.change(*user, *input, originOf(req)); !s) return errorResponse(s.error());
    return withUser(jsonResponse(200, {{"message", "Password changed; other sessions were logged out"}}), user->sub);
  });

  // No JWT: the same 202 whether or not the email is an account's.
  router.add(Method::kPost, "/auth/password-reset/request", Exec::kWorker, [&passwords](const HttpRequest& req) {
    auto email = parsed(req, accounts::parseResetRequest);
    if (!email) return errorResponse(email.error());
    if (auto s = passwords.requestReset(*email, originOf(req)); !s) return errorResponse(s.error());
    return jsonResponse(202, {{"message", "If this is an account's email, a reset was requested"}});
  });

  router.add(Method::kPost, "/auth/password-reset/confirm", Exec::kWorker, [&passwords](const HttpRequest& req) {
    auto input = parsed(req, accounts::parseResetConfirm);
    if (!input) return errorResponse(input.error());
    if (auto s = passwords.confirmReset(*input, originOf(req)); !s) return errorResponse(s.error());
    return jsonResponse(200, {{"message", "Password changed; every session was logged out"}});
  });
}

}  // namespace authd::http
