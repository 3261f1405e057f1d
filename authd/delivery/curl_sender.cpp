#include "delivery/curl_sender.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <memory>
#include <mutex>
#include <string>

#include "events/address_policy.hpp"

namespace authd::delivery {
namespace {

// One transfer's state, shared with curl's callbacks.
struct Transfer {
  bool allowPrivate = false;
  const std::atomic<bool>* cancelled = nullptr;
  bool refused = false;   // the address policy refused an address curl was about to connect to
  bool overflow = false;  // the body passed kMaxResponseBody and the transfer was cut
  size_t bodyBytes = 0;
};

curl_socket_t openSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!t->allowPrivate && !events::isPublicAddress(&address->addr, address->addrlen)) {
    t->refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t writeBody(char*, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (t->bodyBytes + n > kMaxResponseBody) {
    t->bodyBytes = kMaxResponseBody;
    t->overflow = true;
    return CURL_WRITEFUNC_ERROR;  // cuts the transfer; the status has been read already
  }
  t->bodyBytes += n;
  return n;
}

int progress(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(clientp)->cancelled->load() ? 1 : 0;
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Short, and free of the URL (which may carry credentials): curl's own name for the error.
std::string describe(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST: return "could not resolve host";
    case CURLE_COULDNT_CONNECT: return "could not connect";
    case CURLE_UNSUPPORTED_PROTOCOL: return "unsupported protocol";
    default: return curl_easy_strerror(code);
  }
}

}  // namespace

CurlSender::CurlSender(CurlSenderOptions options) : options_(options) {
  // Once per process, before any thread sends (curl_global_init is not thread-safe everywhere).
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

events::SendOutcome CurlSender::send(const events::WebhookRequest& request) {
  events::SendOutcome out;
  if (cancelled_) {
    out.cancelled = true;
    out.error = "cancelled";
    return out;
  }
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    out.error = "cannot create a transfer";
    return out;
  }
  CURL* c = easy.get();
  Transfer t{.allowPrivate = options_.allowPrivate, .cancelled = &cancelled_};

  curl_slist* raw = nullptr;
  for (const auto& [name, value] : request.headers) raw = curl_slist_append(raw, (name + ": " + value).c_str());
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, ListDeleter> headers(raw);

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // never http_proxy & co. from the environment
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Cleanup never waits for a name lookup still running in curl's resolver thread (a stuck DNS server would
  // otherwise hold a sender, and stop(), past the timeout).
  curl_easy_setopt(c, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, openSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, writeBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L);

  const CURLcode code = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.bodyBytes = t.bodyBytes;
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    out.cancelled = true;
    out.error = "cancelled";
    return out;
  }
  if (t.refused && status == 0) {
    out.error = events::kAddressNotAllowed;
    return out;
  }
  if (status > 0 && (code == CURLE_OK || (code == CURLE_WRITE_ERROR && t.overflow))) {
    out.status = static_cast<int>(status);
    return out;
  }
  // A status followed by a broken transfer (timeout, reset) is not an answer to trust.
  out.error = describe(code);
  return out;
}

}  // namespace authd::delivery
