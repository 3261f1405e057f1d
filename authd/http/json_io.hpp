// JSON in and out at the HTTP edge: the NestJS-style error body, JSON
// responses, and request-body parsing that refuses what could hurt (deep
// nesting, invalid UTF-8, wrong Content-Type) with a 4xx Error.
#pragma once

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "http/http_types.hpp"

namespace authd::http {

// Deepest JSON nesting accepted in a request body.
inline constexpr int kMaxJsonDepth = 32;

// {"statusCode":401,"error":"Unauthorized","message":"...","code":"..."}, the
// status and default message from http/error_table, with Retry-After when the
// error carries one.
HttpResponse errorResponse(const Error& e);

// Response bodies keep their fields in the order written (statusCode, error, message, code).
using OutJson = nlohmann::ordered_json;

// A JSON body with the given status.
HttpResponse jsonResponse(int status, const OutJson& body);

// The standard reason phrase ("Unauthorized") of a status code.
std::string_view reasonPhrase(int status);

// Parses the request body as a JSON value. kUnsupportedMediaType for another
// Content-Type, kInvalidJson for malformed, non-UTF-8 or too deeply nested
// input, kValidationFailed for an empty body.
Result<nlohmann::json> parseJsonBody(const HttpRequest& request);

}  // namespace authd::http
