// Reading an http::HttpResponse in unit tests of the HTTP layer.
#pragma once

#include <string>
#include <string_view>

#include "http/http_types.hpp"

namespace authd::testing {

// The value of the response header `name` (exact spelling), or "" when absent.
inline std::string headerOf(const http::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace authd::testing
