// Outgoing webhook HTTP, as the delivery worker sees it: one POST, its status
// or why there was none. The one implementation (delivery/curl_sender) wraps
// libcurl; unit tests pass a fake.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace authd::events {

// One attempt to send: POST `body` to `url` with `headers` (name, value), within `timeout` from connect to last byte.
struct WebhookRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
};

// What an attempt came to.
struct SendOutcome {
  int status = 0;          // the HTTP status received; 0 when there was no response
  std::string error{};     // empty when a status came back; else short and free of secrets ("timeout", ...)
  size_t bodyBytes = 0;    // response body bytes read (never more than the sender's cap)
  bool cancelled = false;  // cancel() cut it short: whether the receiver got it is unknown
};

// The error of an attempt refused at connect time by the address policy.
inline constexpr const char* kAddressNotAllowed = "address not allowed";

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Sends one request; safe to call from several threads at once.
  virtual SendOutcome send(const WebhookRequest& request) = 0;
  // Cuts short every send in flight and every later one (shutdown).
  virtual void cancel() = 0;
};

}  // namespace authd::events
