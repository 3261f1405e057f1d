// A small blocking HTTP/1.1 client over POSIX sockets for integration and
// end-to-end tests: one request per connection (Connection: close; or several
// in turn on one, see getOnOneConnection), the
// whole response read back (Content-Length, chunked, or until close), an
// overall timeout so a test never hangs on a silent server.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case; repeated headers joined with ", "
  std::string body;

  // The body parsed as JSON; a discarded value (is_discarded()) if it is not JSON.
  nlohmann::json json() const;
  // The value of a header (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

// "503 {"statusCode":503,...}": what a failed expectation prints.
std::ostream& operator<<(std::ostream& os, const HttpResult& r);

// Sends one request to 127.0.0.1:port and reads the response; nullopt on a
// connect or I/O failure, a malformed response, or the timeout (see lastError()).
std::optional<HttpResult> request(uint16_t port, std::string_view method, std::string_view target,
                                  const Headers& headers = {}, std::string_view body = "",
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// request(), from `source`: another loopback address (127.0.0.0/8 is all local on Linux), which nginx and
// authd then see as the client's address; for per-address limits, one address per test.
std::optional<HttpResult> requestFrom(const std::string& source, uint16_t port, std::string_view method,
                                      std::string_view target, const Headers& headers = {}, std::string_view body = "",
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

// GETs each target in turn on one keep-alive connection (the next request once the
// previous answer is read); all the answers, or nullopt on any failure (see lastError()).
std::optional<std::vector<HttpResult>> getOnOneConnection(uint16_t port, const std::vector<std::string>& targets,
                                                          const Headers& headers = {},
                                                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends exactly `bytes` (for bad-input tests) and reads one response.
std::optional<HttpResult> rawRequest(uint16_t port, std::string_view bytes,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

// GET target.
std::optional<HttpResult> get(uint16_t port, std::string_view target, const Headers& headers = {});

// POST target with a JSON body (Content-Type: application/json).
std::optional<HttpResult> postJson(uint16_t port, std::string_view target, const nlohmann::json& body,
                                   const Headers& headers = {});

// Why the last request on this thread returned nullopt, e.g.
// "connect 127.0.0.1:29080: Connection refused"; for failure messages.
std::string lastError();

}  // namespace authd::testing
