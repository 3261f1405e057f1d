// events::WebhookSender over libcurl (the only place authd includes it): one
// POST per attempt, no redirects (a 3xx is the answer), http and https only,
// no proxy from the environment, a total timeout, at most kMaxResponseBody
// bytes of the answer read (the transfer is cut there; the status stands),
// and the server-side request forgery guard at connect time: every address
// curl is about to connect to goes through events::isPublicAddress, so a name
// that resolved to a public address at registration and to a private one now
// (DNS rebinding) is still refused.
#pragma once

#include <atomic>
#include <cstddef>

#include "events/webhook_sender.hpp"

namespace authd::delivery {

// Response body bytes read at most.
inline constexpr size_t kMaxResponseBody = 4096;

struct CurlSenderOptions {
  bool allowPrivate = false;  // WEBHOOK_ALLOW_PRIVATE=1: connect to loopback and private addresses too
};

class CurlSender final : public events::WebhookSender {
 public:
  explicit CurlSender(CurlSenderOptions options);
  events::SendOutcome send(const events::WebhookRequest& request) override;
  void cancel() override { cancelled_ = true; }

 private:
  const CurlSenderOptions options_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace authd::delivery
