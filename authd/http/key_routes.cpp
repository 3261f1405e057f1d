#include "http/key_routes.hpp"

#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "http/active_user.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

using json = OutJson;

json optionalTime(const std::optional<SysTime>& t) { return t ? json(formatIso8601(*t)) : json(nullptr); }

json rateLimitJson(const std::optional<keys::RateLimit>& r) {
  return r ? json{{"limit", r->limit}, {"windowSeconds", r->windowSeconds}} : json(nullptr);
}

json metadataJson(const std::optional<std::string>& text) {
  if (!text) return json(nullptr);
  auto parsed = json::parse(*text, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

json optionalText(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

// Credits as of the last flush-back (LAST_USED_FLUSH_MS behind the live count at most), and the refill
// amount once a later refill period has begun.
json creditsJson(const keys::KeyRecord& k, const Clock& clock) {
  if (!k.credits) return json(nullptr);
  const auto& refill = k.credits->refill;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  return {{"remaining", keys::remainingAt(k.credits->remaining, k.creditsPeriod, refill, now)},
          {"refill", refill ? json{{"amount", refill->amount}, {"interval", keys::intervalName(refill->interval)}}
                            : json(nullptr)}};
}

}  // namespace

OutJson keyJson(const keys::KeyRecord& k, const Clock& clock) {
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", k.scopes},
          {"rateLimit", rateLimitJson(k.rateLimit)},
          {"isActive", k.isActive},
          {"enabled", k.enabled},
          {"disabledReason", k.disabledReason ? json(keys::reasonName(*k.disabledReason)) : json(nullptr)},
          {"metadata", metadataJson(k.metadata)},
          {"credits", creditsJson(k, clock)},
          {"rotatedFrom", optionalText(k.rotatedFrom)},
          {"rotatedAt", optionalTime(k.rotatedAt)},
          {"expiresAt", optionalTime(k.expiresAt)},
          {"lastUsedAt", optionalTime(k.lastUsedAt)},
          {"createdAt", formatIso8601(k.createdAt)}};
}

namespace {

// A key just issued (create, rotate): the listing's fields and, this once, the key itself.
json issuedKeyJson(const keys::CreatedKey& created, const Clock& clock) {
  json out = keyJson(created.record, clock);
  out["key"] = created.key;
  return out;
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
    auto created = keys.create(user->sub, *input, userContext(req, user->sub));
    if (!created) return errorResponse(created.error());
    return withUser(jsonResponse(201, issuedKeyJson(*created, clock)), user->sub);
  };
  router.add(Method::kPost, "/keys/create", Exec::kWorker, create);
  router.add(Method::kPost, "/keys", Exec::kWorker, create);

  router.add(Method::kGet, "/keys", Exec::kWorker, [&keys, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto list = keys.list(user->sub);
    if (!list) return errorResponse(list.error());
    json out = json::array();
    for (const auto& k : *list) out.push_back(keyJson(k, clock));
    return withUser(jsonResponse(200, out), user->sub);
  });

  router.add(Method::kGet, "/keys/:id", Exec::kWorker, [&keys, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto key = keys.get(user->sub, req.params.at(0));
    if (!key) return errorResponse(key.error());
    return withUser(jsonResponse(200, keyJson(*key, clock)), user->sub);
  });

  router.add(Method::kPatch, "/keys/:id", Exec::kWorker, [&keys, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    const std::string& id = req.params.at(0);
    if (!crypto::isUuid(id)) return errorResponse(Error(Code::kInvalidId));
    auto body = parseJsonBody(req);
    if (!body) return errorResponse(body.error());
    auto patch = keys::parseKeyPatch(*body, clock);
    if (!patch) return errorResponse(patch.error());
    auto key = keys.update(user->sub, id, *patch, userContext(req, user->sub));
    if (!key) return errorResponse(key.error());
    return withUser(jsonResponse(200, keyJson(*key, clock)), user->sub);
  });

  router.add(Method::kPost, "/keys/:id/rotate", Exec::kWorker, [&keys, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    const std::string& id = req.params.at(0);
    if (!crypto::isUuid(id)) return errorResponse(Error(Code::kInvalidId));
    // The body is optional: no body rotates with the default grace period.
    nlohmann::json body;
    if (!req.body.empty()) {
      auto parsed = parseJsonBody(req);
      if (!parsed) return errorResponse(parsed.error());
      body = std::move(*parsed);
    }
    auto grace = keys::parseRotateRequest(body);
    if (!grace) return errorResponse(grace.error());
    auto created = keys.rotate(user->sub, id, *grace, userContext(req, user->sub));
    if (!created) return errorResponse(created.error());
    return withUser(jsonResponse(201, issuedKeyJson(*created, clock)), user->sub);
  });

  // Possession is the proof: no JWT. The same 202 whatever was sent, so the route tells nobody
  // whether a string is a key.
  router.add(Method::kPost, "/keys/report-leak", Exec::kWorker, [&keys](const HttpRequest& req) {
    std::string key;
    if (const auto& header = req.header(Hdr::kApiKey); header && !header->empty()) {
      key = *header;
    } else {
      auto body = parseJsonBody(req);
      if (!body) return errorResponse(body.error());
      const auto it = body->is_object() ? body->find("key") : body->end();
      if (!body->is_object() || it == body->end() || !it->is_string() || body->size() != 1) {
        return errorResponse(Error::validation({"send the key in the x-api-key header or as {\"key\": \"...\"}"}));
      }
      key = it->get<std::string>();
    }
    if (auto s = keys.reportLeak(key, originOf(req)); !s) return errorResponse(s.error());
    return jsonResponse(202, {{"message", "Leak report accepted; if this is a key, it is disabled"}});
  });

  router.add(Method::kDelete, "/keys/:id", Exec::kWorker, [&keys, &jwt, &users](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    const std::string& id = req.params.at(0);
    if (auto s = keys.revoke(user->sub, id, userContext(req, user->sub)); !s) return errorResponse(s.error());
    return withUser(jsonResponse(200, {{"id", id}, {"message", "API key revoked"}}), user->sub);
  });
}

}  // namespace authd::http
