#include "core/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace authd {
namespace {

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

// Every Code has a unique, non-empty snake_case name (its status and message live in http/error_table).
TEST(ErrorTest, EveryCodeHasAUniqueSnakeCaseName) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kCodeCount; ++i) {
    const std::string_view name = codeName(static_cast<Code>(i));
    EXPECT_TRUE(isSnakeCase(name)) << i << ": '" << name << "'";
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
  EXPECT_EQ(names.size(), kCodeCount);
}

// The stable names the wire (bodies, X-Auth-Error), metrics and logs rely on.
TEST(ErrorTest, StableNames) {
  EXPECT_EQ(codeName(Code::kInvalidJson), "invalid_json");
  EXPECT_EQ(codeName(Code::kInvalidMode), "invalid_mode");
  EXPECT_EQ(codeName(Code::kRequestTimeout), "request_timeout");
  EXPECT_EQ(codeName(Code::kMissingCredentials), "missing_credentials");
  EXPECT_EQ(codeName(Code::kKeyExpired), "key_expired");
  EXPECT_EQ(codeName(Code::kWrongCredentialType), "wrong_credential_type");
  EXPECT_EQ(codeName(Code::kRateLimited), "rate_limited");
  EXPECT_EQ(codeName(Code::kEmailTaken), "email_taken");
  EXPECT_EQ(codeName(Code::kDocsUnavailable), "docs_unavailable");
  EXPECT_EQ(codeName(Code::kDatabaseUnavailable), "database_unavailable");
  EXPECT_EQ(codeName(Code::kInternal), "internal_error");
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
