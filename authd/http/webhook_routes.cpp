#include "http/webhook_routes.hpp"

#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "http/active_user.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

using json = OutJson;

json optionalTime(const std::optional<SysTime>& t) { return t ? json(formatIso8601(*t)) : json(nullptr); }

// An endpoint as every listing shows it (never its secret).
json webhookJson(const events::Webhook& w) {
  return {{"id", w.id}, {"url", w.url}, {"events", w.events}, {"createdAt", formatIso8601(w.createdAt)}};
}

json deliveryJson(const events::Delivery& d) {
  return {{"id", d.id},
          {"eventId", d.eventId},
          {"type", d.type},
          {"state", d.state},
          {"attempts", d.attempts},
          {"lastStatus", d.lastStatus ? json(*d.lastStatus) : json(nullptr)},
          {"lastError", d.lastError ? json(*d.lastError) : json(nullptr)},
          {"lastAttemptAt", optionalTime(d.lastAttemptAt)},
          {"nextAttemptAt", optionalTime(d.nextAttemptAt)},
          {"createdAt", formatIso8601(d.createdAt)}};
}

}  // namespace

void addWebhookRoutes(Router& router, events::WebhookService& webhooks, const verify::JwtAuthenticator& jwt,
                      verify::UserStatusCache& users) {
  router.add(Method::kPost, "/webhooks", Exec::kWorker, [&webhooks, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto body = parseJsonBody(req);
    if (!body) return errorResponse(body.error());
    auto input = events::parseCreateWebhookRequest(*body);
    if (!input) return errorResponse(input.error());
    auto created = webhooks.create(userContext(req, user->sub), *input);
    if (!created) return errorResponse(created.error());
    json out = webhookJson(created->webhook);
    out["secret"] = created->secret;  // shown this once
    return withUser(jsonResponse(201, out), user->sub);
  });

  router.add(Method::kGet, "/webhooks", Exec::kWorker, [&webhooks, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto list = webhooks.list(user->sub);
    if (!list) return errorResponse(list.error());
    json out = json::array();
    for (const auto& w : *list) out.push_back(webhookJson(w));
    return withUser(jsonResponse(200, out), user->sub);
  });

  router.add(Method::kDelete, "/webhooks/:id", Exec::kWorker, [&webhooks, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    if (auto s = webhooks.remove(userContext(req, user->sub), req.params.at(0)); !s) return errorResponse(s.error());
    HttpResponse r;
    r.status = 204;
    return withUser(std::move(r), user->sub);
  });

  router.add(Method::kGet, "/webhooks/:id/deliveries", Exec::kWorker,
             [&webhooks, &jwt, &users](const HttpRequest& req) {
               auto user = activeUser(req, jwt, users);
               if (!user) return errorResponse(user.error());
               const std::string& id = req.params.at(0);
               if (!crypto::isUuid(id)) return errorResponse(Error(Code::kInvalidId));
               auto limit = events::parseDeliveriesLimit(req.queryParam("limit"));
               if (!limit) return errorResponse(limit.error());
               auto found = webhooks.deliveries(user->sub, id, *limit);
               if (!found) return errorResponse(found.error());
               json list = json::array();
               for (const auto& d : *found) list.push_back(deliveryJson(d));
               return withUser(jsonResponse(200, json{{"deliveries", std::move(list)}}), user->sub);
             });

  router.add(Method::kPost, "/webhooks/:id/test", Exec::kWorker, [&webhooks, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto sent = webhooks.sendTest(userContext(req, user->sub), req.params.at(0));
    if (!sent) return errorResponse(sent.error());
    return withUser(jsonResponse(202, json{{"eventId", *sent}}), user->sub);
  });
}

}  // namespace authd::http
