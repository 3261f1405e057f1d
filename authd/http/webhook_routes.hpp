// POST /webhooks, GET /webhooks, DELETE /webhooks/:id, GET /webhooks/:id/deliveries, POST /webhooks/:id/test.
#pragma once

#include "events/webhook_service.hpp"
#include "http/router.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::http {

// The webhook API: a JWT of an active user, then one WebhookService call.
void addWebhookRoutes(Router& router, events::WebhookService& webhooks, const verify::JwtAuthenticator& jwt,
                      verify::UserStatusCache& users);

}  // namespace authd::http
