#include "http/json_io.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/error_table.hpp"
#include "support/routes.hpp"

namespace authd::http {
namespace {

using authd::testing::headerOf;

using nlohmann::json;

HttpRequest jsonRequest(std::string body, std::optional<std::string> contentType = "application/json") {
  HttpRequest r;
  r.method = Method::kPost;
  r.path = "/x";
  r.body = std::move(body);
  r.headers[static_cast<size_t>(Hdr::kContentType)] = std::move(contentType);
  return r;
}

// The name of the error code of a failed parse ("accepted" if it succeeded), so
// that a failure message says which code came back.
std::string parseError(const HttpRequest& req) {
  auto r = parseJsonBody(req);
  return r ? std::string("accepted") : std::string(codeName(r.error().code));
}

std::string nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

// An error becomes the NestJS body {statusCode, error, message, code} with the table's status.
TEST(JsonIoTest, ErrorResponseNestShape) {
  const HttpResponse r = errorResponse(Error(Code::kKeyExpired));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.contentType, "application/json");
  const json body = json::parse(r.body);
  EXPECT_EQ(body.size(), 4u) << r.body;
  EXPECT_EQ(body.at("statusCode"), 401);
  EXPECT_EQ(body.at("error"), "Unauthorized");
  EXPECT_EQ(body.at("message"), "API key has expired");
  EXPECT_EQ(body.at("code"), "key_expired");
  EXPECT_EQ(r.logError, "key_expired");
  EXPECT_EQ(headerOf(r, "Retry-After"), std::nullopt);
}

// A custom message replaces the table's default one.
TEST(JsonIoTest, ErrorResponseCustomMessage) {
  const HttpResponse r = errorResponse(Error(Code::kNotFound, "Key not found"));
  EXPECT_EQ(r.status, 404);
  const json body = json::parse(r.body);
  EXPECT_EQ(body.at("error"), "Not Found");
  EXPECT_EQ(body.at("message"), "Key not found");
  EXPECT_EQ(body.at("code"), "not_found");
}

// A 401 never tells the client which check failed: its body has the code's one message, and the detail goes to the
// request log only. Other 4xx and 503s keep a custom message.
TEST(JsonIoTest, UnauthorizedDetailGoesToTheLogOnly) {
  for (const Code c : {Code::kInvalidToken, Code::kInvalidRefreshToken, Code::kWrongCredentialType}) {
    const HttpResponse r = errorResponse(Error(c, "bad_signature"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], messageOf(c)) << r.body;
    EXPECT_EQ(r.body.find("bad_signature"), std::string::npos) << r.body;
    EXPECT_EQ(r.logDetail, "bad_signature");
  }
  const HttpResponse notFound = errorResponse(Error(Code::kNotFound, "API key not found"));
  EXPECT_EQ(nlohmann::json::parse(notFound.body)["message"], "API key not found");
  EXPECT_TRUE(notFound.logDetail.empty());
  // A 503 still names what is down.
  const HttpResponse down = errorResponse(Error(Code::kDatabaseUnavailable, "PostgreSQL is unavailable"));
  EXPECT_EQ(nlohmann::json::parse(down.body)["message"], "PostgreSQL is unavailable");
}

// Each status class maps to its own reason phrase (403, 409, 503 from the table).
TEST(JsonIoTest, ErrorResponseStatusesFromTable) {
  const std::tuple<Code, int, const char*> cases[] = {
      {Code::kRateLimited, 403, "Forbidden"},
      {Code::kEmailTaken, 409, "Conflict"},
      {Code::kDatabaseUnavailable, 503, "Service Unavailable"},
      {Code::kUnsupportedMediaType, 415, "Unsupported Media Type"},
      {Code::kTooManyRequests, 429, "Too Many Requests"},
      {Code::kInternal, 500, "Internal Server Error"},
  };
  for (const auto& [code, status, reason] : cases) {
    const HttpResponse r = errorResponse(Error(code));
    EXPECT_EQ(r.status, status) << codeName(code);
    const json body = json::parse(r.body);
    EXPECT_EQ(body.at("statusCode"), status) << codeName(code);
    EXPECT_EQ(body.at("error"), reason) << codeName(code);
    EXPECT_EQ(body.at("code"), codeName(code));
  }
}

// Validation details become an array `message`, as NestJS's ValidationPipe does.
TEST(JsonIoTest, ValidationDetailsAreAnArray) {
  const HttpResponse r = errorResponse(Error::validation({"email must be an email", "password is too short"}));
  EXPECT_EQ(r.status, 400);
  const json body = json::parse(r.body);
  ASSERT_TRUE(body.at("message").is_array()) << r.body;
  EXPECT_EQ(body.at("message"), json({"email must be an email", "password is too short"}));
  EXPECT_EQ(body.at("error"), "Bad Request");
  EXPECT_EQ(body.at("code"), "validation_failed");
}

// Retry-After is set from retryAfterSeconds when positive, and only then.
TEST(JsonIoTest, RetryAfterHeader) {
  Error e(Code::kTooManyRequests);
  e.retryAfterSeconds = 42;
  const HttpResponse r = errorResponse(e);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(headerOf(r, "Retry-After"), "42");

  e.retryAfterSeconds = 0;
  EXPECT_EQ(headerOf(errorResponse(e), "Retry-After"), std::nullopt);
  e.retryAfterSeconds = -5;
  EXPECT_EQ(headerOf(errorResponse(e), "Retry-After"), std::nullopt);
}

// A message that is not valid UTF-8 is replaced, not thrown on, and the body stays JSON.
TEST(JsonIoTest, ErrorResponseSurvivesInvalidUtf8Message) {
  HttpResponse r;
  EXPECT_NO_THROW(r = errorResponse(Error(Code::kNotFound, "bad \xff byte")));
  EXPECT_TRUE(json::accept(r.body)) << r.body;
}

// jsonResponse sets the status and serialises the body compactly.
TEST(JsonIoTest, JsonResponse) {
  const HttpResponse r = jsonResponse(201, json{{"id", "abc"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.contentType, "application/json");
  EXPECT_EQ(r.body, R"({"id":"abc"})");
}

// A JSON object body with application/json parses.
TEST(JsonIoTest, ParsesObject) {
  auto r = parseJsonBody(jsonRequest(R"({"email":"a@b.c","n":1,"tags":["x"]})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("email"), "a@b.c");
  EXPECT_EQ(r->at("n"), 1);
}

// A missing or empty Content-Type is treated as JSON.
TEST(JsonIoTest, MissingContentTypeAccepted) {
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", std::nullopt)));
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", "")));
}

// Malformed and truncated bodies are kInvalidJson.
TEST(JsonIoTest, MalformedIsInvalidJson) {
  for (const char* body : {"{", R"({"a":)", R"({"a":1)", R"({"a":"unterminated)", "{'a':1}", "{a:1}", "nope",
                           R"({"a":1,})", R"({"a":1} trailing)", "   "}) {
    EXPECT_EQ(parseError(jsonRequest(body)), codeName(Code::kInvalidJson)) << body;
  }
  // A NUL before any value, or inside a string, is refused.
  EXPECT_EQ(parseError(jsonRequest(std::string("\0{}", 3))), codeName(Code::kInvalidJson));
  EXPECT_EQ(parseError(jsonRequest(std::string("{\"a\":\"x\0y\"}", 11))), codeName(Code::kInvalidJson));
}

// Bytes after a complete value are refused even when separated by a NUL (no parser
// differential: what authd validates is the whole body).
TEST(JsonIoTest, TrailingBytesAfterNulAreRefused) {
  EXPECT_EQ(parseError(jsonRequest(std::string("{}\0", 3))), codeName(Code::kInvalidJson));
  EXPECT_EQ(parseError(jsonRequest(std::string("{\"a\":1}\0{\"a\":2}", 15))), codeName(Code::kInvalidJson));
}

// An empty body is kValidationFailed, with a detail saying a JSON object is expected.
TEST(JsonIoTest, EmptyBodyIsValidationFailed) {
  auto r = parseJsonBody(jsonRequest(""));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  EXPECT_FALSE(r.error().details.empty());
}

// Another Content-Type is kUnsupportedMediaType, checked before the body.
TEST(JsonIoTest, WrongContentTypeIs415) {
  for (const char* ct : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                         "application/jsonp", "application/json-patch+json", "text/json"}) {
    EXPECT_EQ(parseError(jsonRequest("{}", ct)), codeName(Code::kUnsupportedMediaType)) << ct;
  }
  EXPECT_EQ(parseError(jsonRequest("", "text/plain")), codeName(Code::kUnsupportedMediaType));
}

// Parameters after `;` are allowed on application/json.
TEST(JsonIoTest, ContentTypeWithCharsetAccepted) {
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", "application/json; charset=utf-8")));
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", "application/json;charset=UTF-8")));
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", "application/json ; charset=utf-8")));
}

// Media types are case-insensitive (RFC 9110 §8.3.1), as in the NestJS original.
TEST(JsonIoTest, ContentTypeIsCaseInsensitive) {
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", "Application/JSON")));
  EXPECT_TRUE(parseJsonBody(jsonRequest("{}", "APPLICATION/JSON; charset=utf-8")));
}

// 32 levels of nesting are accepted, 33 refused as kInvalidJson (arrays and objects).
TEST(JsonIoTest, NestingDepthLimit) {
  ASSERT_EQ(kMaxJsonDepth, 32);
  EXPECT_TRUE(parseJsonBody(jsonRequest(nested(32))));
  EXPECT_EQ(parseError(jsonRequest(nested(33))), codeName(Code::kInvalidJson));

  std::string obj32 = "1";
  for (int i = 0; i < 32; ++i) obj32 = R"({"a":)" + obj32 + "}";
  EXPECT_TRUE(parseJsonBody(jsonRequest(obj32)));
  EXPECT_EQ(parseError(jsonRequest("[" + obj32 + "]")), codeName(Code::kInvalidJson));
}

// Depth is the maximum nesting, not the number of brackets: many siblings are fine.
TEST(JsonIoTest, SiblingsDoNotAddDepth) {
  std::string wide = "[";
  for (int i = 0; i < 100; ++i) wide += (i ? "," : "") + nested(30);
  wide += "]";
  EXPECT_TRUE(parseJsonBody(jsonRequest(wide)));
}

// Brackets inside strings (also after escaped quotes and backslashes) do not count toward depth.
TEST(JsonIoTest, BracketsInStringsDoNotCount) {
  const std::string many(100, '[');
  auto r = parseJsonBody(jsonRequest(R"({"a":")" + many + R"("})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("a"), many);
  EXPECT_TRUE(parseJsonBody(jsonRequest(R"({"a":"\")" + many + R"(\\","b":"{{{{"})")));
  // 31 real levels plus a string full of brackets at the bottom.
  EXPECT_TRUE(parseJsonBody(jsonRequest(std::string(31, '[') + "\"" + many + "\"" + std::string(31, ']'))));
}

// Invalid UTF-8 inside a string is kInvalidJson (stray byte, overlong form, surrogate, truncated).
TEST(JsonIoTest, InvalidUtf8IsInvalidJson) {
  for (const char* bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\x80"}) {
    EXPECT_EQ(parseError(jsonRequest(std::string(R"({"a":")") + bad + R"("})")), codeName(Code::kInvalidJson));
  }
  // A lone escaped surrogate is not a character either.
  EXPECT_EQ(parseError(jsonRequest(R"({"a":"\ud800"})")), codeName(Code::kInvalidJson));
}

// Valid multi-byte UTF-8 is accepted unchanged.
TEST(JsonIoTest, ValidUtf8Accepted) {
  auto r = parseJsonBody(jsonRequest("{\"name\":\"Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x94\x91\"}"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("name"), "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x94\x91");
}

// A hostile 200,000-deep `[[[[…` (closed or not) is refused without exhausting the stack.
TEST(JsonIoTest, VeryDeepInputDoesNotCrash) {
  EXPECT_EQ(parseError(jsonRequest(std::string(200'000, '['))), codeName(Code::kInvalidJson));
  EXPECT_EQ(parseError(jsonRequest(nested(200'000))), codeName(Code::kInvalidJson));
  EXPECT_EQ(parseError(jsonRequest(nested(200'000, '{', '}'))), codeName(Code::kInvalidJson));
}

// Closing brackets cannot "pay for" later opening ones: unbalanced input stays invalid.
TEST(JsonIoTest, LeadingClosersDoNotBuyDepth) {
  EXPECT_EQ(parseError(jsonRequest(std::string(1000, ']') + std::string(1000, '['))), codeName(Code::kInvalidJson));
}

// reasonPhrase knows the statuses authd sends and falls back to "Error".
TEST(JsonIoTest, ReasonPhrases) {
  EXPECT_EQ(reasonPhrase(200), "OK");
  EXPECT_EQ(reasonPhrase(401), "Unauthorized");
  EXPECT_EQ(reasonPhrase(405), "Method Not Allowed");
  EXPECT_EQ(reasonPhrase(408), "Request Timeout");
  EXPECT_EQ(reasonPhrase(413), "Payload Too Large");
  EXPECT_EQ(reasonPhrase(599), "Error");
}

// The server's 408 (once a hand-written string) comes from the table, byte for byte as before.
TEST(JsonIoTest, RequestTimeoutBodyIsUnchanged) {
  const HttpResponse r = errorResponse(Error(Code::kRequestTimeout));
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.body,
            R"({"statusCode":408,"error":"Request Timeout","message":"Request timed out","code":"request_timeout"})");
  EXPECT_EQ(r.logError, "request_timeout");
}

// docs_unavailable keeps the route's message (how to install the assets) in a 404 with the four fields, in order.
TEST(JsonIoTest, DocsUnavailableKeepsItsMessage) {
  const HttpResponse r = errorResponse(Error(Code::kDocsUnavailable, "run npm ci"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"statusCode":404,"error":"Not Found","message":"run npm ci","code":"docs_unavailable"})");
  EXPECT_EQ(r.logError, "docs_unavailable");
  EXPECT_TRUE(r.logDetail.empty());
}

}  // namespace
}  // namespace authd::http
