// A webhook endpoint's URL: parsed strictly (http or https, a host, an optional
// port and a path; no userinfo, fragment, whitespace or control characters),
// then its host resolved and refused unless every address is public
// (events/address_policy), or WEBHOOK_ALLOW_PRIVATE=1 says private ones are
// fine. Checked when an endpoint is registered and when the operator's
// WEBHOOK_URL is read at start; the delivery worker checks each connection again.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace authd::events {

inline constexpr size_t kMaxWebhookUrlLength = 2048;

struct WebhookUrl {
  std::string scheme;  // "http" or "https" (lowercased)
  std::string host;    // lowercased; an IPv6 literal without its brackets
  uint16_t port = 0;   // the explicit port, or the scheme's default (80, 443)
  std::string target;  // path and query, at least "/"
};

// Resolves a host and refuses private answers unless `allowPrivate` (resolvePublic's contract).
using HostResolver = std::function<Result<std::vector<std::string>>(const std::string& host, bool allowPrivate)>;

// Parses `url`; kUrlNotAllowed with a message saying what is wrong with it.
Result<WebhookUrl> parseWebhookUrl(std::string_view url);

// parseWebhookUrl, then the host through `resolve` (resolvePublic by default): kUrlNotAllowed when it does not
// resolve or, unless `allowPrivate`, when any of its addresses is not public.
Result<WebhookUrl> checkWebhookUrl(std::string_view url, bool allowPrivate, const HostResolver& resolve = {});

// The URL's origin, scheme://host[:port] (the port only when not the scheme's default): what events record of an
// endpoint. Never its path or query, where receivers often keep a token (Slack, Discord, Teams).
std::string urlOrigin(const WebhookUrl& u);

}  // namespace authd::events
