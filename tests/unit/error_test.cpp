#include "core/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace authd {
namespace {

constexpr int kCodeCount = static_cast<int>(Code::kInternal) + 1;

bool isSnakeCase(std::string_view s) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (s[i + 1] == '_') return false;
    } else if (c < 'a' || c > 'z') {
      return false;
    }
  }
  return true;
}

// The snake_case checker used below accepts and refuses what it should.
TEST(ErrorTest, SnakeCaseChecker) {
  EXPECT_TRUE(isSnakeCase("key_expired"));
  EXPECT_TRUE(isSnakeCase("internal"));
  for (const char* bad : {"", "KeyExpired", "key-expired", "_key", "key_", "key__expired", "key expired", "key2"}) {
    EXPECT_FALSE(isSnakeCase(bad)) << bad;
  }
}

// Every Code has a unique, non-empty snake_case name, a 4xx/5xx status and a default message.
TEST(ErrorTest, EveryCodeHasUniqueNameStatusAndMessage) {
  std::set<std::string_view> names;
  for (int i = 0; i < kCodeCount; ++i) {
    const auto code = static_cast<Code>(i);
    const CodeInfo& ci = info(code);
    EXPECT_TRUE(isSnakeCase(ci.name)) << i << ": '" << ci.name << "'";
    EXPECT_TRUE(names.insert(ci.name).second) << "duplicate name " << ci.name;
    EXPECT_GE(ci.httpStatus, 400) << ci.name;
    EXPECT_LE(ci.httpStatus, 599) << ci.name;
    EXPECT_FALSE(ci.message.empty()) << ci.name;
    EXPECT_EQ(codeName(code), ci.name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kCodeCount));
}

// A few mappings the HTTP contract (and nginx's auth_request) relies on.
TEST(ErrorTest, ExactMappings) {
  EXPECT_EQ(info(Code::kKeyExpired).name, "key_expired");
  EXPECT_EQ(info(Code::kKeyExpired).httpStatus, 401);
  EXPECT_EQ(info(Code::kRateLimited).name, "rate_limited");
  EXPECT_EQ(info(Code::kRateLimited).httpStatus, 403);
  EXPECT_EQ(info(Code::kEmailTaken).name, "email_taken");
  EXPECT_EQ(info(Code::kEmailTaken).httpStatus, 409);
  EXPECT_EQ(info(Code::kDatabaseUnavailable).name, "database_unavailable");
  EXPECT_EQ(info(Code::kDatabaseUnavailable).httpStatus, 503);
  EXPECT_EQ(info(Code::kCacheUnavailable).httpStatus, 503);
  EXPECT_EQ(info(Code::kInternal).httpStatus, 500);
  EXPECT_EQ(info(Code::kInvalidJson).httpStatus, 400);
  EXPECT_EQ(info(Code::kTooManyRequests).httpStatus, 429);
}

// Credential failures are 401, authorization failures 403: denial never looks like an outage.
TEST(ErrorTest, DeniedAndUnavailableDoNotMix) {
  for (Code c : {Code::kMissingCredentials, Code::kInvalidCredentials, Code::kInvalidToken, Code::kTokenExpired,
                 Code::kTokenRevoked, Code::kInvalidRefreshToken, Code::kMalformedKey, Code::kInvalidKey,
                 Code::kKeyExpired, Code::kKeyRevoked, Code::kWrongCredentialType}) {
    EXPECT_EQ(info(c).httpStatus, 401) << codeName(c);
  }
  for (Code c : {Code::kInsufficientScope, Code::kUserInactive, Code::kRateLimited}) {
    EXPECT_EQ(info(c).httpStatus, 403) << codeName(c);
  }
}

// fail() builds an unexpected Error carrying the code and message; validation() carries details.
TEST(ErrorTest, FailAndValidationHelpers) {
  Result<int> r = fail(Code::kNotFound, "no such key");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kNotFound);
  EXPECT_EQ(r.error().message, "no such key");
  EXPECT_EQ(r.error().retryAfterSeconds, 0);

  const Error v = Error::validation({"a", "b"});
  EXPECT_EQ(v.code, Code::kValidationFailed);
  EXPECT_EQ(v.details, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(v.message.empty());
}

}  // namespace
}  // namespace authd
