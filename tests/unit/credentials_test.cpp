#include "verify/credentials.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace authd::verify {
namespace {

const std::string kJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
const std::string kKey = "sk_live_0123456789abcdef0123456789abcdef01234567";

// The token of a Bearer header, whatever the scheme's letter case.
TEST(CredentialsBearerTest, SchemeIsCaseInsensitive) {
  for (const std::string& scheme : std::vector<std::string>{"Bearer", "bearer", "BEARER", "bEaReR"}) {
    const std::string header = scheme + " abc.def.ghi";  // the result points into the header
    const auto t = bearerToken(header);
    ASSERT_TRUE(t.has_value()) << scheme;
    EXPECT_EQ(*t, "abc.def.ghi");
  }
}

// Extra spaces around the token are tolerated and trimmed.
TEST(CredentialsBearerTest, ExtraSpacesTrimmed) {
  const auto t = bearerToken("Bearer    abc   ");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, "abc");
}

// No token: "Bearer" alone, "Bearer " or only spaces.
TEST(CredentialsBearerTest, MissingToken) {
  for (const std::string& h : std::vector<std::string>{"", "Bearer", "Bearer ", "Bearer     ", "bearer"}) {
    EXPECT_FALSE(bearerToken(h).has_value()) << "'" << h << "'";
  }
}

// Other schemes, a missing separator, a tab as separator, or leading junk are not Bearer headers.
TEST(CredentialsBearerTest, NotBearer) {
  for (const std::string& h : std::vector<std::string>{"Basic dXNlcjpwYXNz", "Bearerabc", "Bearer\tabc", " Bearer abc",
                                                       "Token abc", "Bear abc", "Bearer-abc", "Bearer:abc"}) {
    EXPECT_FALSE(bearerToken(h).has_value()) << "'" << h << "'";
  }
}

// x-api-key wins over Authorization when both are sent.
TEST(CredentialsExtractTest, ApiKeyHeaderWins) {
  const std::optional<std::string> auth = "Bearer " + kJwt;
  const std::optional<std::string> key = kKey;
  const Credential c = extractCredential(auth, key);
  EXPECT_EQ(c.kind, CredentialKind::kApiKey);
  EXPECT_EQ(c.value, kKey);
}

// An empty x-api-key header does not count; Authorization is read instead.
TEST(CredentialsExtractTest, EmptyApiKeyIgnored) {
  const std::optional<std::string> auth = "Bearer " + kJwt;
  const std::optional<std::string> key = "";
  const Credential c = extractCredential(auth, key);
  EXPECT_EQ(c.kind, CredentialKind::kJwt);
  EXPECT_EQ(c.value, kJwt);
}

// "Bearer sk_…" is an API key; "Bearer <anything else>" is a JWT to verify.
TEST(CredentialsExtractTest, BearerKindByPrefix) {
  const std::optional<std::string> keyAuth = "Bearer " + kKey;
  const Credential k = extractCredential(keyAuth, std::nullopt);
  EXPECT_EQ(k.kind, CredentialKind::kApiKey);
  EXPECT_EQ(k.value, kKey);
  const std::optional<std::string> jwtAuth = "bearer  " + kJwt;
  const Credential j = extractCredential(jwtAuth, std::nullopt);
  EXPECT_EQ(j.kind, CredentialKind::kJwt);
  EXPECT_EQ(j.value, kJwt);
}

// A garbage Authorization header is an (invalid) JWT with an empty value, not "no credentials".
TEST(CredentialsExtractTest, GarbageAuthorizationIsEmptyJwt) {
  for (const std::string& h : std::vector<std::string>{"Basic dXNlcjpwYXNz", "garbage", "Bearer", "Bearer   "}) {
    const std::optional<std::string> auth = h;
    const Credential c = extractCredential(auth, std::nullopt);
    EXPECT_EQ(c.kind, CredentialKind::kJwt) << "'" << h << "'";
    EXPECT_TRUE(c.value.empty()) << "'" << h << "'";
  }
}

// Nothing sent (or only empty headers) is kNone.
TEST(CredentialsExtractTest, NoneWhenNothingSent) {
  EXPECT_EQ(extractCredential(std::nullopt, std::nullopt).kind, CredentialKind::kNone);
  const std::optional<std::string> empty = "";
  EXPECT_EQ(extractCredential(empty, empty).kind, CredentialKind::kNone);
}

}  // namespace
}  // namespace authd::verify
