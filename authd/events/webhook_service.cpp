#include "events/webhook_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/crypto.hpp"
#include "events/signature.hpp"

namespace authd::events {
namespace {

constexpr std::string_view kTargetType = "webhook";

// What webhook.created and webhook.deleted record of an endpoint: its URL's origin (scheme, host, port: a path or
// query may carry a receiver's token) and its types. Never the secret.
std::string endpointData(const WebhookUrl& url, const std::vector<std::string>& types) {
  return nlohmann::json{{"url", urlOrigin(url)}, {"events", types}}.dump();
}

std::unexpected<Error> notFound() { return fail(Code::kNotFound, "Webhook not found"); }

}  // namespace

Result<CreatedWebhook> WebhookService::create(const Context& ctx, const CreateWebhookRequest& req) {
  auto url = checkWebhookUrl(req.url, policy_.allowPrivate, resolve_);
  if (!url) return fail(std::move(url.error()));
  Webhook w;
  w.id = crypto::uuidV4();
  w.userId = ctx.actor.id;
  w.url = req.url;
  w.events = req.events;
  CreatedWebhook out{{}, newWebhookSecret()};
  auto stored =
      store_.create(w, box_.seal(out.secret, w.id), policy_.maxPerUser,
                    make(type::kWebhookCreated, w.userId, ctx, kTargetType, w.id, endpointData(*url, w.events)));
  if (!stored) return fail(std::move(stored.error()));
  out.webhook = std::move(*stored);
  return out;
}

Result<std::vector<Webhook>> WebhookService::list(std::string_view userId) { return store_.listByUser(userId); }

Status WebhookService::remove(const Context& ctx, std::string_view webhookId) {
  if (!crypto::isUuid(webhookId)) return fail(Code::kInvalidId);
  auto removed = store_.remove(ctx.actor.id, webhookId,
                               make(type::kWebhookDeleted, ctx.actor.id, ctx, kTargetType, std::string(webhookId)));
  if (!removed) return fail(std::move(removed.error()));
  if (!*removed) return notFound();
  return {};
}

Result<std::vector<Delivery>> WebhookService::deliveries(std::string_view userId, std::string_view webhookId,
                                                         int64_t limit) {
  if (!crypto::isUuid(webhookId)) return fail(Code::kInvalidId);
  auto found = store_.deliveries(userId, webhookId, std::clamp<int64_t>(limit, 1, kMaxDeliveriesLimit));
  if (!found) return fail(std::move(found.error()));
  if (!*found) return notFound();
  return std::move(**found);
}

Result<std::string> WebhookService::sendTest(const Context& ctx, std::string_view webhookId) {
  if (!crypto::isUuid(webhookId)) return fail(Code::kInvalidId);
  const std::string data = nlohmann::json{{"message", "a test event sent by POST /webhooks/:id/test"}}.dump();
  auto sent = store_.sendTest(ctx.actor.id, webhookId,
                              make(type::kWebhookTest, ctx.actor.id, ctx, kTargetType, std::string(webhookId), data));
  if (!sent) return fail(std::move(sent.error()));
  if (!*sent) return notFound();
  return std::move(**sent);
}

Status WebhookService::configureOperator(std::string_view url, std::string_view secret) {
  if (url.empty()) return store_.removeOperator();
  auto parsed = parseWebhookUrl(url);
  if (!parsed) return fail(Code::kUrlNotAllowed, "WEBHOOK_URL: " + parsed.error().message);
  if (auto checked = checkWebhookUrl(url, policy_.allowPrivate, resolve_); !checked) {
    std::string why = "WEBHOOK_URL: " + checked.error().message;
    if (!policy_.allowPrivate) why += " (WEBHOOK_ALLOW_PRIVATE=1 allows private addresses, for tests only)";
    return fail(Code::kUrlNotAllowed, std::move(why));
  }
  if (!webhookSecretKey(secret) || !secret.starts_with(kSecretPrefix)) {
    return fail(Code::kValidationFailed, "WEBHOOK_SECRET: must be whsec_ followed by base64 of at least 16 bytes");
  }
  // Sealed exactly as given: receivers verify with this very string.
  const std::string secretText(secret);
  return store_.upsertOperator(url, crypto::uuidV4(),
                               [this, &secretText](std::string_view id) { return box_.seal(secretText, id); });
}

}  // namespace authd::events
