#include "http/audit_routes.hpp"

#include "http/active_user.hpp"
#include "http/json_io.hpp"

namespace authd::http {

void addAuditRoutes(Router& router, events::AuditLog& log, const verify::JwtAuthenticator& jwt,
                    verify::UserStatusCache& users) {
  router.add(Method::kGet, "/audit", Exec::kWorker, [&log, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto query = events::parseAuditQuery({req.queryParam("limit"), req.queryParam("before")});
    if (!query) return errorResponse(query.error());
    auto page = log.page(user->sub, *query);
    if (!page) return errorResponse(page.error());
    OutJson list = OutJson::array();
    // events::toJson is the one rendering of an event (webhooks carry the same); its field order is kept.
    for (const auto& e : page->events) list.push_back(OutJson::parse(events::toJson(e)));
    OutJson out{{"events", std::move(list)}};
    out["next"] = page->next ? OutJson(*page->next) : OutJson(nullptr);
    return withUser(jsonResponse(200, out), user->sub);
  });
}

}  // namespace authd::http
