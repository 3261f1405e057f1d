// GoogleTest predicates over authd's answers, shared by integration and
// end-to-end tests: each returns an AssertionResult whose failure says what
// came back instead.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "support/http_client.hpp"

namespace authd::testing {

// The JSON error shape: a 4xx, application/json, {statusCode (= status), error, message, code}.
::testing::AssertionResult isErrorShape(const std::optional<HttpResult>& r);

// authd's /verify answer asked directly: `status` with X-Auth-Error `code` ("" for a 200).
::testing::AssertionResult directIs(const std::optional<HttpResult>& r, int status, std::string_view code);

// nginx's answer: `status` with a JSON body whose code is `code` (a 200 carries no code; "" skips the check).
::testing::AssertionResult nginxIs(const std::optional<HttpResult>& r, int status, std::string_view code);

// The RFC 6750 challenge a 401 with this code carries in WWW-Authenticate.
std::string bearerChallenge(std::string_view code);

}  // namespace authd::testing
