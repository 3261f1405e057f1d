// authd's own view of an HTTP exchange: handlers read an HttpRequest and
// return an HttpResponse, so they never see Pistache and tests build both
// directly.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete, kHead, kOptions, kOther };

std::string_view methodName(Method m);

// The request headers authd reads; everything else is ignored.
enum class Hdr { kAuthorization, kApiKey, kContentType, kForwardedFor, kRealIp, kRequestId, kUserAgent, kCount };

struct HttpRequest {
  Method method = Method::kGet;
  std::string path;                                        // without the query string
  std::vector<std::pair<std::string, std::string>> query;  // decoded parameters, in order
  std::array<std::optional<std::string>, static_cast<size_t>(Hdr::kCount)> headers;
  std::string body;
  std::string peer;                 // client address (X-Real-IP when behind nginx)
  std::vector<std::string> params;  // path parameters matched by the router (":id")

  const std::optional<std::string>& header(Hdr h) const { return headers[static_cast<size_t>(h)]; }
  std::optional<std::string_view> queryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // empty: Content-Length 0
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  // For the request log only (never secrets): "jwt"/"apiKey", and the user or key id.
  std::string logAuthType;
  std::string logSubject;
  std::string logError;   // error code when status >= 400
  std::string logDetail;  // why, when the client is not told (a 401's check)

  HttpResponse& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace authd::http
