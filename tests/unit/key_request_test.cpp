#include "keys/key_request.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/time_format.hpp"

namespace authd::keys {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// FakeClock's default start: 2027-01-15T08:00:00Z.
const FakeClock kClock;

constexpr std::string_view kScopesMessage = "scopes must be an array of strings matching [a-z0-9:._-]{1,64}";
constexpr std::string_view kLimitMessage = "rateLimit.limit must be an integer between 1 and 1000000000";
constexpr std::string_view kWindowMessage = "rateLimit.windowSeconds must be an integer between 1 and 86400";

// The validation messages of a failed parse (empty if it succeeded: the test then fails on the message check).
std::vector<std::string> messagesOf(const json& body) {
  const auto r = parseCreateKeyRequest(body, kClock);
  if (r) return {};
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  return r.error().details;
}

// Parses `text` as JSON first so the tests see the number types the real parser produces.
std::vector<std::string> messagesOf(const char* text) { return messagesOf(json::parse(text)); }

bool contains(const std::vector<std::string>& v, std::string_view m) {
  return std::find(v.begin(), v.end(), m) != v.end();
}

// Only the name is required; everything else defaults.
TEST(KeyRequestTest, AcceptsMinimalBody) {
  const auto r = parseCreateKeyRequest(json::parse(R"({"name":"ci"})"), kClock);
  ASSERT_TRUE(r) << (r ? "" : r.error().details.empty() ? "" : r.error().details[0]);
  EXPECT_EQ(r->name, "ci");
  EXPECT_FALSE(r->expiresAt);
  EXPECT_TRUE(r->scopes.empty());
  EXPECT_FALSE(r->rateLimit);
}

// Every field set to a valid value comes through typed, with the name trimmed.
TEST(KeyRequestTest, AcceptsFullBody) {
  const auto r = parseCreateKeyRequest(json::parse(R"({"name":"  billing worker  ",
      "expiresAt":"2030-01-01T00:00:00Z", "scopes":["read:users","write.orders","a_b-c"],
      "rateLimit":{"limit":1000,"windowSeconds":60}})"),
                                       kClock);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "billing worker");
  ASSERT_TRUE(r->expiresAt);
  EXPECT_EQ(formatIso8601(*r->expiresAt), "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(r->scopes, (std::vector<std::string>{"read:users", "write.orders", "a_b-c"}));
  ASSERT_TRUE(r->rateLimit);
  EXPECT_EQ(r->rateLimit->limit, 1000);
  EXPECT_EQ(r->rateLimit->windowSeconds, 60);
}

// Explicit nulls mean "never expires", "no scopes" and "server default".
TEST(KeyRequestTest, NullsMeanDefaults) {
  const auto r =
      parseCreateKeyRequest(json::parse(R"({"name":"x","expiresAt":null,"scopes":null,"rateLimit":null})"), kClock);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->expiresAt);
  EXPECT_TRUE(r->scopes.empty());
  EXPECT_FALSE(r->rateLimit);
}

// A missing or non-string name is reported as such.
TEST(KeyRequestTest, RejectsMissingOrNonStringName) {
  EXPECT_EQ(messagesOf(R"({})"), std::vector<std::string>{"name must be a string"});
  EXPECT_EQ(messagesOf(R"({"name":42})"), std::vector<std::string>{"name must be a string"});
  EXPECT_EQ(messagesOf(R"({"name":null})"), std::vector<std::string>{"name must be a string"});
  EXPECT_EQ(messagesOf(R"({"name":["a"]})"), std::vector<std::string>{"name must be a string"});
}

// Names are 1-100 characters after trimming, counted in code points, not bytes.
TEST(KeyRequestTest, EnforcesNameLength) {
  const std::vector<std::string> lengthError{"name must be between 1 and 100 characters"};
  EXPECT_EQ(messagesOf(R"({"name":""})"), lengthError);
  EXPECT_EQ(messagesOf(R"({"name":"   \t "})"), lengthError);
  EXPECT_EQ(messagesOf(json{{"name", std::string(101, 'a')}}), lengthError);
  EXPECT_TRUE(parseCreateKeyRequest(json{{"name", std::string(100, 'a')}}, kClock));
  EXPECT_TRUE(parseCreateKeyRequest(json{{"name", "  " + std::string(100, 'a') + "  "}}, kClock));
  std::string hundredEacute;
  for (int i = 0; i < 100; ++i) hundredEacute += "\xC3\xA9";  // é, 2 bytes each
  EXPECT_TRUE(parseCreateKeyRequest(json{{"name", hundredEacute}}, kClock));
  EXPECT_EQ(messagesOf(json{{"name", hundredEacute + "\xC3\xA9"}}), lengthError);
}

// NUL and other control characters cannot reach PostgreSQL through a name.
TEST(KeyRequestTest, RejectsControlCharactersInName) {
  EXPECT_EQ(messagesOf(R"({"name":"a\u0000b"})"), std::vector<std::string>{"name must not contain control characters"});
}

// expiresAt must be a string in ISO-8601 form.
TEST(KeyRequestTest, RejectsMalformedExpiresAt) {
  const std::vector<std::string> e{"expiresAt must be an ISO-8601 date-time"};
  EXPECT_EQ(messagesOf(R"({"name":"x","expiresAt":"tomorrow"})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","expiresAt":"2030-02-30T00:00:00Z"})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","expiresAt":1893456000})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","expiresAt":true})"), e);
}

// expiresAt in the past, or exactly now, is refused.
TEST(KeyRequestTest, RejectsExpiresAtNotInFuture) {
  const std::vector<std::string> e{"expiresAt must be in the future"};
  EXPECT_EQ(messagesOf(R"({"name":"x","expiresAt":"2020-01-01T00:00:00Z"})"), e);
  EXPECT_EQ(messagesOf(json{{"name", "x"}, {"expiresAt", formatIso8601(kClock.now())}}), e);
  EXPECT_TRUE(parseCreateKeyRequest(json{{"name", "x"}, {"expiresAt", formatIso8601(kClock.now() + 1s)}}, kClock));
}

// Scopes must be an array of valid scope strings.
TEST(KeyRequestTest, RejectsBadScopes) {
  const std::vector<std::string> e{std::string(kScopesMessage)};
  EXPECT_EQ(messagesOf(R"({"name":"x","scopes":"read"})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","scopes":["read",1]})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","scopes":["Read"]})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","scopes":[""]})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","scopes":["a b"]})"), e);
  EXPECT_EQ(messagesOf(json{{"name", "x"}, {"scopes", {std::string(65, 'a')}}}), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","scopes":{"a":1}})"), e);
}

// At most 32 scopes may be sent.
TEST(KeyRequestTest, RejectsTooManyScopes) {
  json scopes = json::array();
  for (int i = 0; i < 32; ++i) scopes.push_back("s" + std::to_string(i));
  EXPECT_TRUE(parseCreateKeyRequest(json{{"name", "x"}, {"scopes", scopes}}, kClock));
  scopes.push_back("s32");
  EXPECT_EQ(messagesOf(json{{"name", "x"}, {"scopes", scopes}}),
            std::vector<std::string>{"scopes must contain no more than 32 elements"});
}

// Duplicate scopes collapse, keeping first-seen order.
TEST(KeyRequestTest, DeduplicatesScopesInOrder) {
  const auto r = parseCreateKeyRequest(json::parse(R"({"name":"x","scopes":["b","a","b","c","a"]})"), kClock);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->scopes, (std::vector<std::string>{"b", "a", "c"}));
}

// The scope grammar accepts exactly [a-z0-9:._-]{1,64}.
TEST(KeyRequestTest, IsValidScopeGrammar) {
  EXPECT_TRUE(isValidScope("read:users"));
  EXPECT_TRUE(isValidScope("a.b_c-d:0"));
  EXPECT_TRUE(isValidScope(std::string(64, 'z')));
  EXPECT_FALSE(isValidScope(std::string(65, 'z')));
  EXPECT_FALSE(isValidScope(""));
  EXPECT_FALSE(isValidScope("READ"));
  EXPECT_FALSE(isValidScope("a/b"));
  EXPECT_FALSE(isValidScope("a*"));
  EXPECT_FALSE(isValidScope("\xC3\xA9"));
}

// rateLimit must be an object.
TEST(KeyRequestTest, RejectsNonObjectRateLimit) {
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":100})"),
            std::vector<std::string>{"rateLimit must be an object with integer limit and windowSeconds"});
}

// rateLimit fields must be present JSON integers within range.
TEST(KeyRequestTest, RejectsOutOfRangeRateLimit) {
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":0,"windowSeconds":60}})"),
            std::vector<std::string>{std::string(kLimitMessage)});
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":-5,"windowSeconds":60}})"),
            std::vector<std::string>{std::string(kLimitMessage)});
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":1000000001,"windowSeconds":60}})"),
            std::vector<std::string>{std::string(kLimitMessage)});
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":10,"windowSeconds":86401}})"),
            std::vector<std::string>{std::string(kWindowMessage)});
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":10,"windowSeconds":0}})"),
            std::vector<std::string>{std::string(kWindowMessage)});
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{}})"),
            (std::vector<std::string>{std::string(kLimitMessage), std::string(kWindowMessage)}));
  const auto r = parseCreateKeyRequest(
      json::parse(R"({"name":"x","rateLimit":{"limit":1000000000,"windowSeconds":86400}})"), kClock);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rateLimit->limit, 1'000'000'000);
}

// Floats (even integral ones), strings, booleans and numbers beyond 64 bits are not integers.
TEST(KeyRequestTest, RejectsNonIntegerRateLimitNumbers) {
  const std::vector<std::string> e{std::string(kLimitMessage)};
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":10.5,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":10.0,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":1e3,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":"10","windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":true,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":18446744073709551615,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":99999999999999999999999,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":-9223372036854775808,"windowSeconds":60}})"), e);
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":10,"windowSeconds":"60"}})"),
            std::vector<std::string>{std::string(kWindowMessage)});
}

// Fields outside the whitelist are named, at the top level and inside rateLimit.
TEST(KeyRequestTest, RejectsUnknownFields) {
  EXPECT_EQ(messagesOf(R"({"name":"x","foo":1})"), std::vector<std::string>{"property foo should not exist"});
  EXPECT_EQ(messagesOf(R"({"name":"x","userId":"someone-else"})"),
            std::vector<std::string>{"property userId should not exist"});
  EXPECT_EQ(messagesOf(R"({"name":"x","rateLimit":{"limit":1,"windowSeconds":1,"burst":5}})"),
            std::vector<std::string>{"property rateLimit.burst should not exist"});
}

// A body that is not an object gets one message and nothing else.
TEST(KeyRequestTest, RejectsNonObjectBody) {
  const std::vector<std::string> e{"body must be a JSON object"};
  EXPECT_EQ(messagesOf(R"([])"), e);
  EXPECT_EQ(messagesOf(R"("name")"), e);
  EXPECT_EQ(messagesOf(R"(null)"), e);
  EXPECT_EQ(messagesOf(R"(42)"), e);
}

// Every problem in one body is reported in one error, not just the first.
TEST(KeyRequestTest, ReportsAllErrorsTogether) {
  const auto m = messagesOf(R"({"name":"","expiresAt":"2001-01-01","scopes":["BAD"],
      "rateLimit":{"limit":1.5,"windowSeconds":-1},"extra":true})");
  EXPECT_EQ(m.size(), 6u);
  EXPECT_TRUE(contains(m, "name must be between 1 and 100 characters"));
  EXPECT_TRUE(contains(m, "expiresAt must be in the future"));
  EXPECT_TRUE(contains(m, kScopesMessage));
  EXPECT_TRUE(contains(m, kLimitMessage));
  EXPECT_TRUE(contains(m, kWindowMessage));
  EXPECT_TRUE(contains(m, "property extra should not exist"));
}

}  // namespace
}  // namespace authd::keys
