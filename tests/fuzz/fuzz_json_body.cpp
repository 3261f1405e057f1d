// libFuzzer target: request bodies, from the bytes on the wire to the typed
// requests. Whatever arrives, parsing ends in a value or a 4xx Error (never a
// throw, a crash or a 5xx), and every Error serialises to valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "accounts/account_requests.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/error_table.hpp"
#include "http/http_types.hpp"
#include "http/json_io.hpp"
#include "keys/key_request.hpp"

namespace {

using namespace authd;

// Every Error a body can produce is the client's fault; its response is JSON
// carrying the same status.
void checkError(const Error& e) {
  const int status = http::statusOf(e.code);
  if (status < 400 || status > 499) __builtin_trap();
  const http::HttpResponse r = http::errorResponse(e);
  if (r.status != status) __builtin_trap();
  const auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("code")) __builtin_trap();
}

template <typename T>
void check(const Result<T>& r) {
  if (!r) checkError(r.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FakeClock clock;
  try {
    http::HttpRequest request;
    request.method = http::Method::kPost;
    request.headers[static_cast<size_t>(http::Hdr::kContentType)] = "application/json";
    request.body.assign(reinterpret_cast<const char*>(data), size);

    const auto parsed = http::parseJsonBody(request);
    if (!parsed) {
      checkError(parsed.error());
      return 0;
    }
    const nlohmann::json& body = *parsed;
    check(accounts::parseSignup(body));
    check(accounts::parseLogin(body));
    check(accounts::parseRefresh(body));
    check(accounts::parseLogout(body));
    check(keys::parseCreateKeyRequest(body, clock));
    check(keys::parseKeyPatch(body, clock));
    check(keys::parseRotateRequest(body));
  } catch (...) {
    // Parsers return Errors; an exception escaping one is a finding.
    __builtin_trap();
  }
  return 0;
}
