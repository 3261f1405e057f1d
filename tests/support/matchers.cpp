#include "support/matchers.hpp"

#include "support/api.hpp"

namespace authd::testing {

using nlohmann::json;

::testing::AssertionResult isErrorShape(const std::optional<HttpResult>& r) {
  if (!r) return ::testing::AssertionFailure() << describe(r);
  if (r->status < 400 || r->status > 499) return ::testing::AssertionFailure() << "not a 4xx: " << *r;
  if (!r->header("content-type").starts_with("application/json"))
    return ::testing::AssertionFailure() << "Content-Type '" << r->header("content-type") << "': " << *r;
  const json j = r->json();
  if (j.is_discarded() || !j.is_object()) return ::testing::AssertionFailure() << "not a JSON object: " << *r;
  if (!j.contains("statusCode") || j["statusCode"] != r->status)
    return ::testing::AssertionFailure() << "statusCode differs from the status: " << *r;
  if (!j.contains("error") || !j["error"].is_string()) return ::testing::AssertionFailure() << "no error: " << *r;
  if (!j.contains("message") || !(j["message"].is_string() || j["message"].is_array()))
    return ::testing::AssertionFailure() << "no message: " << *r;
  if (!j.contains("code") || !j["code"].is_string() || j["code"].get<std::string>().empty())
    return ::testing::AssertionFailure() << "no code: " << *r;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult directIs(const std::optional<HttpResult>& r, int status, std::string_view code) {
  if (!r || r->status != status || r->header("x-auth-error") != code)
    return ::testing::AssertionFailure() << "want " << status << " '" << code << "', got " << describe(r);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult nginxIs(const std::optional<HttpResult>& r, int status, std::string_view code) {
  if (!r || r->status != status) return ::testing::AssertionFailure() << "want " << status << ", got " << describe(r);
  const json j = r->json();
  if (!j.is_object()) return ::testing::AssertionFailure() << "not JSON: " << describe(r);
  if (!code.empty() && j.value("code", "") != code)
    return ::testing::AssertionFailure() << "want code '" << code << "', got " << describe(r);
  return ::testing::AssertionSuccess();
}

std::string bearerChallenge(std::string_view code) {
  return code == "missing_credentials" ? R"(Bearer realm="authd")" : R"(Bearer realm="authd", error="invalid_token")";
}

}  // namespace authd::testing
