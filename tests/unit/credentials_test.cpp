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

const std::optional<std::string> kNoHeader;

// On an `any` route x-api-key wins over Authorization when both are sent.
TEST(CredentialsExtractTest, AnyRouteApiKeyHeaderWins) {
  const std::optional<std::string> auth = "Bearer " + kJwt;
  const std::optional<std::string> key = kKey;
  const Credential c = extractCredential(Mode::kAny, auth, key);
  EXPECT_EQ(c.kind, CredentialKind::kApiKey);
  EXPECT_EQ(c.value, kKey);
}

// A JWT-only route reads Authorization only: whatever x-api-key holds (a key, garbage), the JWT is what is checked.
TEST(CredentialsExtractTest, JwtRouteIgnoresApiKeyHeader) {
  const std::optional<std::string> auth = "Bearer " + kJwt;
  for (const std::string& k : std::vector<std::string>{kKey, "garbage", "sk_"}) {
    const std::optional<std::string> key = k;
    const Credential c = extractCredential(Mode::kJwt, auth, key);
    EXPECT_EQ(c.kind, CredentialKind::kJwt) << k;
    EXPECT_EQ(c.value, kJwt) << k;
  }
}

// A key-only route reads x-api-key first: whatever Authorization holds (a JWT, garbage, another key), it decides.
TEST(CredentialsExtractTest, KeyRouteIgnoresAuthorizationWhenXApiKeyIsSent) {
  const std::optional<std::string> key = kKey;
  for (const std::string& a : std::vector<std::string>{"Bearer " + kJwt, "Basic dXNlcjpwYXNz", "Bearer sk_other"}) {
    const std::optional<std::string> auth = a;
    const Credential c = extractCredential(Mode::kApiKey, auth, key);
    EXPECT_EQ(c.kind, CredentialKind::kApiKey) << a;
    EXPECT_EQ(c.value, kKey) << a;
  }
}

// A key-only route also reads "Bearer sk_…" when no x-api-key is sent.
TEST(CredentialsExtractTest, KeyRouteReadsBearerKey) {
  const std::optional<std::string> auth = "Bearer " + kKey;
  const Credential c = extractCredential(Mode::kApiKey, auth, kNoHeader);
  EXPECT_EQ(c.kind, CredentialKind::kApiKey);
  EXPECT_EQ(c.value, kKey);
}

// Only a credential of the other kind: kWrongKind, and its value is not passed on to be checked.
TEST(CredentialsExtractTest, OnlyTheOtherKindIsWrongKind) {
  const std::optional<std::string> jwtAuth = "Bearer " + kJwt;
  const std::optional<std::string> keyAuth = "Bearer " + kKey;
  const std::optional<std::string> key = kKey;
  for (const Credential& c :
       {extractCredential(Mode::kJwt, kNoHeader, key), extractCredential(Mode::kJwt, keyAuth, kNoHeader),
        extractCredential(Mode::kJwt, keyAuth, key), extractCredential(Mode::kApiKey, jwtAuth, kNoHeader)}) {
    EXPECT_EQ(c.kind, CredentialKind::kWrongKind);
    EXPECT_TRUE(c.value.empty());
  }
}

// An empty x-api-key header does not count; Authorization is read instead.
TEST(CredentialsExtractTest, EmptyApiKeyIgnored) {
  const std::optional<std::string> auth = "Bearer " + kJwt;
  const std::optional<std::string> key = "";
  for (const Mode m : {Mode::kAny, Mode::kJwt}) {
    const Credential c = extractCredential(m, auth, key);
    EXPECT_EQ(c.kind, CredentialKind::kJwt);
    EXPECT_EQ(c.value, kJwt);
  }
  EXPECT_EQ(extractCredential(Mode::kApiKey, auth, key).kind, CredentialKind::kWrongKind);
}

// "Bearer sk_…" is an API key; "Bearer <anything else>" is a JWT to verify.
TEST(CredentialsExtractTest, BearerKindByPrefix) {
  const std::optional<std::string> keyAuth = "Bearer " + kKey;
  const Credential k = extractCredential(Mode::kAny, keyAuth, kNoHeader);
  EXPECT_EQ(k.kind, CredentialKind::kApiKey);
  EXPECT_EQ(k.value, kKey);
  const std::optional<std::string> jwtAuth = "bearer  " + kJwt;
  const Credential j = extractCredential(Mode::kAny, jwtAuth, kNoHeader);
  EXPECT_EQ(j.kind, CredentialKind::kJwt);
  EXPECT_EQ(j.value, kJwt);
}

// Any prefix of the key shape makes a Bearer token a key (keys of an earlier API_KEY_PREFIX too); a JWT never is one.
TEST(CredentialsExtractTest, BearerKeyOfAnyPrefix) {
  for (const std::string& token : std::vector<std::string>{"acme_0123456789abcdef", "a1_x", "sk_"}) {
    const std::optional<std::string> auth = "Bearer " + token;
    const Credential c = extractCredential(Mode::kAny, auth, kNoHeader);
    EXPECT_EQ(c.kind, CredentialKind::kApiKey) << token;
    EXPECT_EQ(c.value, token);
  }
  for (const std::string& token : std::vector<std::string>{kJwt, "Acme_0123", "a_x", "x.y_z"}) {
    const std::optional<std::string> auth = "Bearer " + token;
    EXPECT_EQ(extractCredential(Mode::kAny, auth, kNoHeader).kind, CredentialKind::kJwt) << token;
  }
}

// A garbage Authorization header is an (invalid) JWT with an empty value, not "no credentials", where JWTs count.
TEST(CredentialsExtractTest, GarbageAuthorizationIsEmptyJwt) {
  for (const std::string& h : std::vector<std::string>{"Basic dXNlcjpwYXNz", "garbage", "Bearer", "Bearer   "}) {
    const std::optional<std::string> auth = h;
    for (const Mode m : {Mode::kAny, Mode::kJwt}) {
      const Credential c = extractCredential(m, auth, kNoHeader);
      EXPECT_EQ(c.kind, CredentialKind::kJwt) << "'" << h << "'";
      EXPECT_TRUE(c.value.empty()) << "'" << h << "'";
    }
  }
}

// Nothing sent (or only empty headers) is kNone, in every mode.
TEST(CredentialsExtractTest, NoneWhenNothingSent) {
  const std::optional<std::string> empty = "";
  for (const Mode m : {Mode::kAny, Mode::kJwt, Mode::kApiKey}) {
    EXPECT_EQ(extractCredential(m, kNoHeader, kNoHeader).kind, CredentialKind::kNone);
    EXPECT_EQ(extractCredential(m, empty, empty).kind, CredentialKind::kNone);
  }
}

}  // namespace
}  // namespace authd::verify
