// Managing webhook endpoints: a user's (POST/GET/DELETE /webhooks, their
// deliveries, a test send) and the operator's (WEBHOOK_URL, set at start).
// Secrets are generated here, shown once, and stored only sealed (SecretBox,
// bound to the endpoint's id). Sending is the delivery worker's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "events/secret_box.hpp"
#include "events/webhook_request.hpp"
#include "events/webhook_store.hpp"
#include "events/webhook_url.hpp"

namespace authd::events {

struct WebhookPolicy {
  bool allowPrivate = false;  // WEBHOOK_ALLOW_PRIVATE=1: loopback and private targets allowed (tests)
  int64_t maxPerUser = 10;    // WEBHOOK_MAX_PER_USER
};

struct CreatedWebhook {
  Webhook webhook;
  std::string secret;  // "whsec_…", shown once
};

class WebhookService {
 public:
  // `resolve`: how hosts are resolved and checked (resolvePublic when empty; tests pass their own).
  WebhookService(WebhookStore& store, const SecretBox& box, WebhookPolicy policy, HostResolver resolve = {})
      : store_(store), box_(box), policy_(policy), resolve_(std::move(resolve)) {}

  // Registers an endpoint for the caller (ctx.actor.id): kUrlNotAllowed for a URL that is not http(s) or reaches a
  // non-public address, kWebhookLimit past the per-user limit. Writes webhook.created with the endpoint.
  Result<CreatedWebhook> create(const Context& ctx, const CreateWebhookRequest& req);
  // The user's live endpoints, newest first (never a secret).
  Result<std::vector<Webhook>> list(std::string_view userId);
  // Like every call below that takes an endpoint id: kInvalidId for a malformed id, kNotFound for an unknown,
  // deleted or another user's endpoint (indistinguishable on purpose). Writes webhook.deleted.
  Status remove(const Context& ctx, std::string_view webhookId);
  // The endpoint's deliveries, newest first, at most `limit`.
  Result<std::vector<Delivery>> deliveries(std::string_view userId, std::string_view webhookId, int64_t limit);
  // Queues a webhook.test event for this endpoint alone; its event id.
  Result<std::string> sendTest(const Context& ctx, std::string_view webhookId);

  // At start: WEBHOOK_URL and WEBHOOK_SECRET (already checked by the config) become the operator's endpoint, or,
  // when `url` is empty, the operator's endpoint is removed. kUrlNotAllowed (naming WEBHOOK_URL) when the URL is
  // refused by the same policy as users' endpoints.
  Status configureOperator(std::string_view url, std::string_view secret);

 private:
  WebhookStore& store_;
  const SecretBox& box_;
  WebhookPolicy policy_;
  HostResolver resolve_;
};

}  // namespace authd::events
