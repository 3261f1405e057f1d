#include "http/json_io.hpp"

#include <algorithm>

#include "http/error_table.hpp"

namespace authd::http {
namespace {

// Nesting depth of JSON text, ignoring brackets inside strings; stops early
// past the limit so hostile input costs O(limit) stack, not O(depth).
bool depthWithin(std::string_view text, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

HttpResponse errorResponse(const Error& e) {
  const int status = statusOf(e.code);
  const std::string_view name = codeName(e.code);
  OutJson body{{"statusCode", status}, {"error", reasonPhrase(status)}};
  // A 500 never carries its detail (it is logged instead): it may describe internals. A 401
  // never does either: which check refused a credential (a bad signature, a wrong issuer, a
  // reused refresh token) would guide an attacker, so each code has one message and the detail
  // goes to the request log. A 503 names what is down (/readyz: PostgreSQL or Redis).
  const bool messageIsPublic = status != 500 && status != 401;
  if (!e.details.empty() && status < 500 && status != 401) body["message"] = e.details;
  else if (e.message.empty() || !messageIsPublic) body["message"] = messageOf(e.code);
  else body["message"] = e.message;
  body["code"] = name;
  HttpResponse r = jsonResponse(status, body);
  if (e.retryAfterSeconds > 0) r.header("Retry-After", std::to_string(e.retryAfterSeconds));
  r.logError = name;
  if (status == 401) r.logDetail = e.message;
  return r;
}

HttpResponse jsonResponse(int status, const OutJson& body) {
  HttpResponse r;
  r.status = status;
  // Replace rather than throw on strings that are not valid UTF-8.
  r.body = body.dump(-1, ' ', false, OutJson::error_handler_t::replace);
  return r;
}

Result<nlohmann::json> parseJsonBody(const HttpRequest& request) {
  if (const auto& ct = request.header(Hdr::kContentType); ct && !ct->empty()) {
    std::string type = ct->substr(0, ct->find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    // Media types are case-insensitive (RFC 9110 §8.3.1).
    std::ranges::transform(type, type.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (type != "application/json") return fail(Code::kUnsupportedMediaType);
  }
  if (request.body.empty()) return fail(Error::validation({"request body must be a JSON object"}));
  // A raw NUL is never valid JSON text, and the parser would stop at it and ignore the rest.
  if (request.body.find('\0') != std::string::npos) return fail(Code::kInvalidJson);
  if (!depthWithin(request.body, kMaxJsonDepth)) return fail(Code::kInvalidJson, "JSON nesting is too deep");
  auto parsed = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return fail(Code::kInvalidJson);
  return parsed;
}

}  // namespace authd::http
