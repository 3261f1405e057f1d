// A token an event must carry to the operator's webhook (a password reset's)
// without the events table holding it in clear: the event's data keeps it as
// `sealedToken`, sealed with the webhook SecretBox and bound to the event's
// subject (the reset's id), and it is opened only when a delivery's body is
// rendered. events::toJson never renders `sealedToken`, so GET /audit cannot
// show it, sealed or not.
#pragma once

#include <string>
#include <string_view>

#include "events/event.hpp"
#include "events/secret_box.hpp"

namespace authd::events {

// What the token is sealed for (SecretBox's binding): "password_reset:" + `resetId`.
std::string resetTokenBinding(std::string_view resetId);

// The event as a delivery carries it: when its data holds `sealedToken` and `resetId`, the token opened into
// `token` (null when it cannot be opened: a changed WEBHOOK_SECRETS_KEY). Other events come back unchanged.
Event openSealedToken(const Event& e, const SecretBox& box);

}  // namespace authd::events
