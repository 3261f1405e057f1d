#include "http/error_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

#include "http/json_io.hpp"

namespace authd::http {
namespace {

// Every code has a 4xx/5xx status with a standard reason phrase and a default message.
TEST(ErrorTableTest, EveryCodeHasStatusAndMessage) {
  for (size_t i = 0; i < kCodeCount; ++i) {
    const auto code = static_cast<Code>(i);
    EXPECT_GE(statusOf(code), 400) << codeName(code);
    EXPECT_LE(statusOf(code), 599) << codeName(code);
    EXPECT_NE(reasonPhrase(statusOf(code)), "Error") << codeName(code) << ": no reason phrase for its status";
    EXPECT_FALSE(messageOf(code).empty()) << codeName(code);
    EXPECT_EQ(errorEntry(code).status, statusOf(code));
    EXPECT_EQ(errorEntry(code).message, messageOf(code));
  }
}

// The statuses of the HTTP contract (and of nginx's auth_request, which reads only 2xx/401/403).
TEST(ErrorTableTest, ExactStatuses) {
  EXPECT_EQ(statusOf(Code::kInvalidJson), 400);
  EXPECT_EQ(statusOf(Code::kValidationFailed), 400);
  EXPECT_EQ(statusOf(Code::kInvalidId), 400);
  EXPECT_EQ(statusOf(Code::kInvalidMode), 400);
  EXPECT_EQ(statusOf(Code::kRequestTimeout), 408);
  EXPECT_EQ(statusOf(Code::kPayloadTooLarge), 413);
  EXPECT_EQ(statusOf(Code::kUnsupportedMediaType), 415);
  EXPECT_EQ(statusOf(Code::kKeyExpired), 401);
  EXPECT_EQ(statusOf(Code::kRateLimited), 403);
  EXPECT_EQ(statusOf(Code::kNotFound), 404);
  EXPECT_EQ(statusOf(Code::kDocsUnavailable), 404);
  EXPECT_EQ(statusOf(Code::kMethodNotAllowed), 405);
  EXPECT_EQ(statusOf(Code::kEmailTaken), 409);
  EXPECT_EQ(statusOf(Code::kTooManyRequests), 429);
  EXPECT_EQ(statusOf(Code::kOverloaded), 503);
  EXPECT_EQ(statusOf(Code::kDatabaseUnavailable), 503);
  EXPECT_EQ(statusOf(Code::kCacheUnavailable), 503);
  EXPECT_EQ(statusOf(Code::kInternal), 500);
}

// The default messages that are on the wire today (bodies, nginx's copy, the e2e tests).
TEST(ErrorTableTest, ExactMessages) {
  EXPECT_EQ(messageOf(Code::kRequestTimeout), "Request timed out");
  EXPECT_EQ(messageOf(Code::kMissingCredentials), "No credentials were provided");
  EXPECT_EQ(messageOf(Code::kKeyExpired), "API key has expired");
  EXPECT_EQ(messageOf(Code::kRateLimited), "Rate limit exceeded");
  EXPECT_EQ(messageOf(Code::kNotFound), "Not found");
  EXPECT_EQ(messageOf(Code::kInternal), "Internal server error");
}

// Credential failures are 401, authorization failures 403, outages 503: denial never looks like an outage.
TEST(ErrorTableTest, DeniedAndUnavailableDoNotMix) {
  for (Code c : {Code::kMissingCredentials, Code::kInvalidCredentials, Code::kInvalidToken, Code::kTokenExpired,
                 Code::kTokenRevoked, Code::kInvalidRefreshToken, Code::kMalformedKey, Code::kInvalidKey,
                 Code::kKeyExpired, Code::kKeyRevoked, Code::kWrongCredentialType}) {
    EXPECT_EQ(statusOf(c), 401) << codeName(c);
  }
  for (Code c : {Code::kInsufficientScope, Code::kUserInactive, Code::kRateLimited}) {
    EXPECT_EQ(statusOf(c), 403) << codeName(c);
  }
  for (Code c : {Code::kOverloaded, Code::kDatabaseUnavailable, Code::kCacheUnavailable}) {
    EXPECT_EQ(statusOf(c), 503) << codeName(c);
  }
}

}  // namespace
}  // namespace authd::http
