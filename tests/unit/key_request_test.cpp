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

constexpr std::string_view kRemainingMessage = "credits.remaining must be an integer between 0 and 1000000000000";
constexpr std::string_view kCreditsMessage =
    "credits must be null or an object with integer remaining and optional refill";
constexpr std::string_view kRefillMessage =
    "credits.refill must be null or an object with integer amount and interval day or month";
constexpr std::string_view kAmountMessage = "credits.refill.amount must be an integer between 1 and 1000000000000";
constexpr std::string_view kIntervalMessage = "credits.refill.interval must be one of day, month";

// Credits come through typed: remaining alone, with a daily or monthly refill (both bounds), or null (unlimited).
TEST(KeyRequestTest, AcceptsCredits) {
  const auto plain = parseCreateKeyRequest(json::parse(R"({"name":"x","credits":{"remaining":0}})"), kClock);
  ASSERT_TRUE(plain);
  ASSERT_TRUE(plain->credits);
  EXPECT_EQ(plain->credits->remaining, 0);
  EXPECT_FALSE(plain->credits->refill);

  const auto full = parseCreateKeyRequest(
      json::parse(R"({"name":"x","credits":{"remaining":1000000000000,"refill":{"amount":1,"interval":"month"}}})"),
      kClock);
  ASSERT_TRUE(full);
  ASSERT_TRUE(full->credits);
  EXPECT_EQ(full->credits->remaining, kMaxCredits);
  ASSERT_TRUE(full->credits->refill);
  EXPECT_EQ(full->credits->refill->amount, 1);
  EXPECT_EQ(full->credits->refill->interval, RefillInterval::kMonth);

  const auto daily = parseCreateKeyRequest(
      json::parse(R"({"name":"x","credits":{"remaining":5,"refill":{"amount":1000000000000,"interval":"day"}}})"),
      kClock);
  ASSERT_TRUE(daily);
  EXPECT_EQ(daily->credits->refill->amount, kMaxCredits);
  EXPECT_EQ(daily->credits->refill->interval, RefillInterval::kDay);

  for (const char* text : {R"({"name":"x","credits":null})", R"({"name":"x"})"}) {
    const auto r = parseCreateKeyRequest(json::parse(text), kClock);
    ASSERT_TRUE(r) << text;
    EXPECT_FALSE(r->credits) << text;
  }
  const auto noRefill =
      parseCreateKeyRequest(json::parse(R"({"name":"x","credits":{"remaining":3,"refill":null}})"), kClock);
  ASSERT_TRUE(noRefill);
  ASSERT_TRUE(noRefill->credits);
  EXPECT_FALSE(noRefill->credits->refill);
}

// Each bad shape of credits gets its own message (every problem at once), as the other fields do.
TEST(KeyRequestTest, RejectsBadCredits) {
  const std::vector<std::pair<const char*, std::vector<std::string_view>>> cases{
      {R"({"name":"x","credits":5})", {kCreditsMessage}},
      {R"({"name":"x","credits":"lots"})", {kCreditsMessage}},
      {R"({"name":"x","credits":[1]})", {kCreditsMessage}},
      {R"({"name":"x","credits":{}})", {kRemainingMessage}},
      {R"({"name":"x","credits":{"remaining":-1}})", {kRemainingMessage}},
      {R"({"name":"x","credits":{"remaining":1000000000001}})", {kRemainingMessage}},
      {R"({"name":"x","credits":{"remaining":1.5}})", {kRemainingMessage}},
      {R"({"name":"x","credits":{"remaining":"5"}})", {kRemainingMessage}},
      {R"({"name":"x","credits":{"remaining":null}})", {kRemainingMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":7}})", {kRefillMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{}}})", {kAmountMessage, kIntervalMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":0,"interval":"day"}}})", {kAmountMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":1000000000001,"interval":"day"}}})",
       {kAmountMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":1,"interval":"week"}}})", {kIntervalMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":1,"interval":"Day"}}})", {kIntervalMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":1,"interval":1}}})", {kIntervalMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":1}}})", {kIntervalMessage}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"interval":"day"}}})", {kAmountMessage}},
      {R"({"name":"x","credits":{"remaining":1,"limit":5}})", {"property credits.limit should not exist"}},
      {R"({"name":"x","credits":{"remaining":1,"refill":{"amount":1,"interval":"day","at":0}}})",
       {"property credits.refill.at should not exist"}},
      {R"({"name":"x","credits":{"remaining":-1,"refill":{"amount":0,"interval":"year"}}})",
       {kRemainingMessage, kAmountMessage, kIntervalMessage}},
  };
  for (const auto& [text, expected] : cases) {
    const std::vector<std::string> want(expected.begin(), expected.end());
    EXPECT_EQ(messagesOf(text), want) << text;
  }
  // Next to another field's problem, both are reported.
  const auto m = messagesOf(R"({"name":"","credits":{"remaining":-1}})");
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(contains(m, kRemainingMessage));
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

// metadata on create: a JSON object kept as its serialized text; null or absent is none.
TEST(KeyRequestTest, AcceptsMetadataObject) {
  const auto r = parseCreateKeyRequest(json::parse(R"({"name":"x","metadata":{"team":"billing","tier":2}})"), kClock);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->metadata);
  EXPECT_EQ(json::parse(*r->metadata), (json{{"team", "billing"}, {"tier", 2}}));
  const auto none = parseCreateKeyRequest(json::parse(R"({"name":"x","metadata":null})"), kClock);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->metadata);
  EXPECT_FALSE(parseCreateKeyRequest(json::parse(R"({"name":"x"})"), kClock)->metadata);
}

// metadata that is not an object, or over 4096 bytes serialized, is refused on create; 4096 exactly is fine.
TEST(KeyRequestTest, RejectsBadMetadataOnCreate) {
  const std::vector<std::string> notObject{"metadata must be a JSON object or null"};
  EXPECT_EQ(messagesOf(R"({"name":"x","metadata":[1]})"), notObject);
  EXPECT_EQ(messagesOf(R"({"name":"x","metadata":"text"})"), notObject);
  EXPECT_EQ(messagesOf(R"({"name":"x","metadata":7})"), notObject);
  // {"k":"…"} is 8 bytes around the value.
  EXPECT_TRUE(parseCreateKeyRequest(json{{"name", "x"}, {"metadata", {{"k", std::string(4088, 'a')}}}}, kClock));
  EXPECT_EQ(messagesOf(json{{"name", "x"}, {"metadata", {{"k", std::string(4089, 'a')}}}}),
            std::vector<std::string>{"metadata must be at most 4096 bytes as JSON"});
}

// --- PATCH /keys/:id ---

// The validation messages of a failed patch (empty if it succeeded: the test then fails on the message check).
std::vector<std::string> patchMessages(const json& body) {
  const auto r = parseKeyPatch(body, kClock);
  if (r) return {};
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  return r.error().details;
}
std::vector<std::string> patchMessages(const char* text) { return patchMessages(json::parse(text)); }

// A patch that must parse; an empty patch (which then fails the test's checks) if it does not.
KeyPatch patchOf(const char* text) {
  const auto r = parseKeyPatch(json::parse(text), kClock);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().details.empty() ? "" : r.error().details[0]);
  return r ? *r : KeyPatch{};
}

// One field changes only that field: the others stay absent (untouched).
TEST(KeyPatchTest, OneFieldLeavesTheOthersAbsent) {
  const KeyPatch p = patchOf(R"({"name":"  renamed  "})");
  EXPECT_EQ(p.name, "renamed");
  EXPECT_FALSE(p.scopes);
  EXPECT_FALSE(p.rateLimit);
  EXPECT_FALSE(p.expiresAt);
  EXPECT_FALSE(p.enabled);
  EXPECT_FALSE(p.metadata);
}

// Every field valid at once comes through typed, scopes de-duplicated.
TEST(KeyPatchTest, AcceptsEveryField) {
  const KeyPatch p = patchOf(R"({"name":"n","scopes":["b","a","b"],"rateLimit":{"limit":5,"windowSeconds":10},
      "expiresAt":"2030-01-01T00:00:00Z","enabled":false,"metadata":{"a":1}})");
  EXPECT_EQ(p.name, "n");
  EXPECT_EQ(p.scopes, (std::vector<std::string>{"b", "a"}));
  ASSERT_TRUE(p.rateLimit && *p.rateLimit);
  EXPECT_EQ((*p.rateLimit)->limit, 5);
  EXPECT_EQ((*p.rateLimit)->windowSeconds, 10);
  ASSERT_TRUE(p.expiresAt && *p.expiresAt);
  EXPECT_EQ(formatIso8601(**p.expiresAt), "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(p.enabled, false);
  ASSERT_TRUE(p.metadata && *p.metadata);
  EXPECT_EQ(json::parse(**p.metadata), (json{{"a", 1}}));
}

// null clears what can be cleared: no expiry, the server's default limit, no metadata, no scopes.
TEST(KeyPatchTest, NullClears) {
  const KeyPatch p = patchOf(R"({"expiresAt":null,"rateLimit":null,"metadata":null,"scopes":null})");
  ASSERT_TRUE(p.expiresAt);
  EXPECT_FALSE(*p.expiresAt);
  ASSERT_TRUE(p.rateLimit);
  EXPECT_FALSE(*p.rateLimit);
  ASSERT_TRUE(p.metadata);
  EXPECT_FALSE(*p.metadata);
  ASSERT_TRUE(p.scopes);
  EXPECT_TRUE(p.scopes->empty());
}

// A name is checked as on create, and null is not a name.
TEST(KeyPatchTest, RejectsBadName) {
  const std::vector<std::string> length{"name must be between 1 and 100 characters"};
  EXPECT_EQ(patchMessages(R"({"name":""})"), length);
  EXPECT_EQ(patchMessages(R"({"name":"   "})"), length);
  EXPECT_EQ(patchMessages(json{{"name", std::string(101, 'a')}}), length);
  EXPECT_EQ(patchMessages(R"({"name":"a\u0007b"})"),
            std::vector<std::string>{"name must not contain control characters"});
  EXPECT_EQ(patchMessages(R"({"name":null})"), std::vector<std::string>{"name must be a string"});
  EXPECT_EQ(patchMessages(R"({"name":7})"), std::vector<std::string>{"name must be a string"});
}

// Scopes are checked as on create.
TEST(KeyPatchTest, RejectsBadScopes) {
  const std::vector<std::string> e{std::string(kScopesMessage)};
  EXPECT_EQ(patchMessages(R"({"scopes":"read"})"), e);
  EXPECT_EQ(patchMessages(R"({"scopes":["READ"]})"), e);
  EXPECT_EQ(patchMessages(R"({"scopes":[1]})"), e);
  json many = json::array();
  for (int i = 0; i < 33; ++i) many.push_back("s" + std::to_string(i));
  EXPECT_EQ(patchMessages(json{{"scopes", many}}),
            std::vector<std::string>{"scopes must contain no more than 32 elements"});
}

// A rate limit is checked as on create.
TEST(KeyPatchTest, RejectsBadRateLimit) {
  EXPECT_EQ(patchMessages(R"({"rateLimit":100})"),
            std::vector<std::string>{"rateLimit must be an object with integer limit and windowSeconds"});
  EXPECT_EQ(patchMessages(R"({"rateLimit":{"limit":0,"windowSeconds":60}})"),
            std::vector<std::string>{std::string(kLimitMessage)});
  EXPECT_EQ(patchMessages(R"({"rateLimit":{"limit":1,"windowSeconds":86401}})"),
            std::vector<std::string>{std::string(kWindowMessage)});
  EXPECT_EQ(patchMessages(R"({"rateLimit":{"limit":1,"windowSeconds":1,"burst":2}})"),
            std::vector<std::string>{"property rateLimit.burst should not exist"});
}

// expiresAt must be a future ISO-8601 date-time (or null).
TEST(KeyPatchTest, RejectsBadExpiresAt) {
  EXPECT_EQ(patchMessages(R"({"expiresAt":"2020-01-01T00:00:00Z"})"),
            std::vector<std::string>{"expiresAt must be in the future"});
  EXPECT_EQ(patchMessages(json{{"expiresAt", formatIso8601(kClock.now())}}),
            std::vector<std::string>{"expiresAt must be in the future"});
  const std::vector<std::string> garbage{"expiresAt must be an ISO-8601 date-time"};
  EXPECT_EQ(patchMessages(R"({"expiresAt":"soon"})"), garbage);
  EXPECT_EQ(patchMessages(R"({"expiresAt":1893456000})"), garbage);
}

// enabled is a boolean: not a string, a number or null.
TEST(KeyPatchTest, RejectsNonBooleanEnabled) {
  const std::vector<std::string> e{"enabled must be a boolean"};
  EXPECT_EQ(patchMessages(R"({"enabled":"false"})"), e);
  EXPECT_EQ(patchMessages(R"({"enabled":0})"), e);
  EXPECT_EQ(patchMessages(R"({"enabled":null})"), e);
  EXPECT_EQ(patchOf(R"({"enabled":true})").enabled, true);
}

// metadata is an object of at most 4096 bytes serialized: arrays, strings and numbers are refused.
TEST(KeyPatchTest, RejectsBadMetadata) {
  const std::vector<std::string> notObject{"metadata must be a JSON object or null"};
  EXPECT_EQ(patchMessages(R"({"metadata":[]})"), notObject);
  EXPECT_EQ(patchMessages(R"({"metadata":"{}"})"), notObject);
  EXPECT_EQ(patchMessages(R"({"metadata":1})"), notObject);
  EXPECT_EQ(patchMessages(json{{"metadata", {{"k", std::string(4089, 'a')}}}}),
            std::vector<std::string>{"metadata must be at most 4096 bytes as JSON"});
  EXPECT_TRUE(parseKeyPatch(json{{"metadata", {{"k", std::string(4088, 'a')}}}}, kClock));
}

// Unknown fields are named (also next to valid ones), whether or not a known field is present.
TEST(KeyPatchTest, RejectsUnknownFieldsByName) {
  EXPECT_EQ(patchMessages(R"({"name":"x","isActive":true})"),
            std::vector<std::string>{"property isActive should not exist"});
  EXPECT_EQ(patchMessages(R"({"userId":"someone-else"})"),
            std::vector<std::string>{"property userId should not exist"});
}

// credits on PATCH: an object is a new grant, null makes the key unlimited, absent leaves it; bad ones are refused
// with the messages create gives.
TEST(KeyPatchTest, CreditsGrantOrClear) {
  const auto grant =
      parseKeyPatch(json::parse(R"({"credits":{"remaining":9,"refill":{"amount":9,"interval":"day"}}})"), kClock);
  ASSERT_TRUE(grant);
  ASSERT_TRUE(grant->credits);
  ASSERT_TRUE(*grant->credits);
  EXPECT_EQ((*grant->credits)->remaining, 9);
  ASSERT_TRUE((*grant->credits)->refill);
  EXPECT_EQ((*grant->credits)->refill->interval, RefillInterval::kDay);

  const auto clear = parseKeyPatch(json::parse(R"({"credits":null})"), kClock);
  ASSERT_TRUE(clear);
  ASSERT_TRUE(clear->credits);
  EXPECT_FALSE(*clear->credits);

  const auto other = parseKeyPatch(json::parse(R"({"name":"x"})"), kClock);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->credits);

  EXPECT_EQ(patchMessages(R"({"credits":{"remaining":-1}})"), std::vector<std::string>{std::string(kRemainingMessage)});
  EXPECT_EQ(patchMessages(R"({"credits":true})"), std::vector<std::string>{std::string(kCreditsMessage)});
  EXPECT_EQ(patchMessages(R"({"credits":{"remaining":1,"refill":{"amount":1,"interval":"hour"}}})"),
            std::vector<std::string>{std::string(kIntervalMessage)});
}

// An empty object changes nothing and is refused, naming what may be sent.
TEST(KeyPatchTest, RejectsEmptyObject) {
  const auto m = patchMessages(R"({})");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("at least one of"), std::string::npos) << m[0];
  EXPECT_NE(m[0].find("metadata"), std::string::npos) << m[0];
  EXPECT_NE(m[0].find("credits"), std::string::npos) << m[0];
}

// A body that is not an object gets one message.
TEST(KeyPatchTest, RejectsNonObjectBody) {
  const std::vector<std::string> e{"body must be a JSON object"};
  EXPECT_EQ(patchMessages(R"([])"), e);
  EXPECT_EQ(patchMessages(R"("name")"), e);
  EXPECT_EQ(patchMessages(R"(null)"), e);
  EXPECT_EQ(patchMessages(R"(true)"), e);
}

// Every problem in one patch is reported together.
TEST(KeyPatchTest, ReportsAllErrorsTogether) {
  const auto m = patchMessages(R"({"name":"","enabled":"yes","metadata":[],"extra":1})");
  EXPECT_EQ(m.size(), 4u);
  EXPECT_TRUE(contains(m, "name must be between 1 and 100 characters"));
  EXPECT_TRUE(contains(m, "enabled must be a boolean"));
  EXPECT_TRUE(contains(m, "metadata must be a JSON object or null"));
  EXPECT_TRUE(contains(m, "property extra should not exist"));
}

// --- POST /keys/:id/rotate ---

constexpr std::string_view kGraceMessage = "gracePeriodSeconds must be an integer between 0 and 2592000";

// parseRotateRequest of `text` parsed as JSON.
Result<std::chrono::seconds> graceOf(const char* text) { return parseRotateRequest(json::parse(text)); }

// No body (null) and an empty object both rotate with the default day of grace.
TEST(RotateRequestTest, DefaultsToOneDay) {
  EXPECT_EQ(parseRotateRequest(json()), std::chrono::seconds(86'400));
  EXPECT_EQ(graceOf(R"({})"), std::chrono::seconds(86'400));
}

// 0 (retire at once) and 30 days are the bounds, both accepted.
TEST(RotateRequestTest, AcceptsTheBounds) {
  EXPECT_EQ(graceOf(R"({"gracePeriodSeconds":0})"), std::chrono::seconds(0));
  EXPECT_EQ(graceOf(R"({"gracePeriodSeconds":2592000})"), std::chrono::seconds(2'592'000));
}

// Out of range, fractional and string values are refused with one message.
TEST(RotateRequestTest, RejectsBadGracePeriods) {
  for (const char* text : {R"({"gracePeriodSeconds":-1})", R"({"gracePeriodSeconds":2592001})",
                           R"({"gracePeriodSeconds":1.5})", R"({"gracePeriodSeconds":"10"})"}) {
    const auto r = graceOf(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Code::kValidationFailed);
    EXPECT_EQ(r.error().details, std::vector<std::string>{std::string(kGraceMessage)}) << text;
  }
}

// Unknown fields are named; a body that is not an object is refused.
TEST(RotateRequestTest, RejectsUnknownFieldsAndNonObjects) {
  const auto unknown = graceOf(R"({"gracePeriodSeconds":5,"grace":5})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().details, std::vector<std::string>{"property grace should not exist"});
  const auto array = graceOf(R"([60])");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().details, std::vector<std::string>{"body must be a JSON object"});
}

}  // namespace
}  // namespace authd::keys
