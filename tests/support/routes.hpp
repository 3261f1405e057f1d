// Calling authd's routes in unit tests of the HTTP layer without Pistache: a
// request built as the server builds one, dispatched through the Router, and
// the answer's headers read back.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "http/http_types.hpp"
#include "http/router.hpp"

namespace authd::testing {

// Sets one of the request headers authd reads (nullopt: not sent).
inline void setHeader(http::HttpRequest& r, http::Hdr h, std::optional<std::string> value) {
  r.headers[static_cast<size_t>(h)] = std::move(value);
}

// What to do when no route matches.
enum class Unmatched {
  kFail,    // the test expected a route: it fails, naming the request
  kAnswer,  // the answer is the router's own status (404, 405) with an empty body
};

// Dispatches `req` through `router` as the server does (path parameters filled in) and runs the handler.
inline http::HttpResponse dispatch(const http::Router& router, http::HttpRequest& req,
                                   Unmatched unmatched = Unmatched::kFail) {
  const http::Match m = router.match(req);
  if (m.route == nullptr) {
    if (unmatched == Unmatched::kFail) {
      ADD_FAILURE() << "no route for " << http::methodName(req.method) << " " << req.path << ": " << m.status;
    }
    http::HttpResponse none;
    none.status = m.status;
    return none;
  }
  return m.route->handler(req);
}

// The value of the response header `name` (exact spelling); nullopt when absent (an empty value is present).
inline std::optional<std::string> headerOf(const http::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

// The response body as JSON (an empty object when it is not JSON, which fails the test).
inline nlohmann::json bodyOf(const http::HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.body;
  return j.is_discarded() ? nlohmann::json::object() : j;
}

// An error answer in the documented shape (statusCode, error, message, code), JSON, logged under its code.
inline void expectError(const http::HttpResponse& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body;
  const nlohmann::json b = bodyOf(r);
  EXPECT_EQ(b.value("statusCode", 0), status) << r.body;
  EXPECT_EQ(b.value("code", ""), code) << r.body;
  EXPECT_TRUE(b.contains("error") && b.contains("message")) << r.body;
  EXPECT_EQ(r.logError, code);
  EXPECT_EQ(r.contentType, "application/json");
}

}  // namespace authd::testing
