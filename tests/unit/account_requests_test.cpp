#include "accounts/account_requests.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace authd::accounts {
namespace {

using nlohmann::json;

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

json signupBody(std::string email = "ann@example.com", std::string password = "password123", std::string name = "Ann") {
  return {{"email", std::move(email)}, {"password", std::move(password)}, {"name", std::move(name)}};
}

// The validation messages of a failed parse (fails the test when the parse succeeded or failed otherwise).
template <typename T>
std::vector<std::string> errorsOf(const Result<T>& r) {
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) return {};
  EXPECT_EQ(r.error().code, Code::kValidationFailed) << codeName(r.error().code);
  return r.error().details;
}

bool hasMessage(const std::vector<std::string>& errors, std::string_view msg) {
  return std::ranges::find(errors, msg) != errors.end();
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += "[" + e + "]";
  return out;
}

// A 254-character address that is syntactically valid (64-char local part, labels under 64).
std::string longestEmail() {
  std::string e = std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                  std::string(57, 'd') + ".com";
  return e;
}

// A valid signup parses, trimming email and name but never the password.
TEST(AccountRequestsSignupTest, ValidBodyIsTrimmed) {
  const auto r = parseSignup(signupBody("  ann@example.com\t", " password123 ", "  Ann Lee \n"));
  ASSERT_TRUE(r.has_value()) << joined(r.error().details);
  EXPECT_EQ(r->email, "ann@example.com");
  EXPECT_EQ(r->name, "Ann Lee");
  EXPECT_EQ(r->password, " password123 ");
}

// Email syntax: missing @, two @, spaces, empty parts and bad domains are refused; plus-addressing is fine.
TEST(AccountRequestsSignupTest, EmailSyntax) {
  for (const std::string& bad : std::vector<std::string>{"",
                                                         "   ",
                                                         "annexample.com",
                                                         "ann@@example.com",
                                                         "ann@b@example.com",
                                                         "an n@example.com",
                                                         "ann@exa mple.com",
                                                         "@example.com",
                                                         "ann@",
                                                         "ann@localhost",
                                                         "ann@.example.com",
                                                         "ann@example..com",
                                                         ".ann@example.com",
                                                         "ann.@example.com",
                                                         "a..nn@example.com",
                                                         "ann@-example.com",
                                                         "ann@example-.com",
                                                         "ann@exämple.com",
                                                         "änn@example.com",
                                                         "ann@example.com\x01",
                                                         std::string(65, 'a') + "@example.com"}) {
    const auto errors = errorsOf(parseSignup(signupBody(bad)));
    EXPECT_TRUE(hasMessage(errors, "email must be an email")) << "'" << bad << "': " << joined(errors);
  }
  for (const std::string& good :
       std::vector<std::string>{"ann@example.com", "ann.lee+tag@mail.example.co.uk", "A_N-N@Example.COM", "x@a1.io",
                                std::string(64, 'a') + "@example.com"}) {
    EXPECT_TRUE(parseSignup(signupBody(good)).has_value()) << good;
  }
}

// 254 characters is the longest address accepted; 255 is refused.
TEST(AccountRequestsSignupTest, EmailLengthLimit) {
  const std::string e254 = longestEmail();
  ASSERT_EQ(e254.size(), 254u);
  EXPECT_TRUE(parseSignup(signupBody(e254)).has_value());
  // One more character, with every part still within its own limit: only the total length is wrong.
  const std::string e255 = std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                           std::string(58, 'd') + ".com";
  ASSERT_EQ(e255.size(), 255u);
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody(e255))), "email must be an email"));
  EXPECT_TRUE(
      hasMessage(errorsOf(parseSignup(signupBody(std::string(300, 'a') + "@example.com"))), "email must be an email"));
}

// Password length counts code points: 8 and 128 are fine, 7 and 129 are not, whatever the byte count.
TEST(AccountRequestsSignupTest, PasswordLengthInCodePoints) {
  const std::string kMsg = "password must be between 8 and 128 characters";
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "1234567"))), kMsg));
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", "12345678")).has_value());
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", std::string(128, 'p'))).has_value());
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", std::string(129, 'p')))), kMsg));
  // Multi-byte: 7 x "é" is 14 bytes but 7 characters; 128 x "€" is 384 bytes; 128 emoji are 512 bytes.
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", repeat("é", 7)))), kMsg));
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", repeat("é", 8))).has_value());
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", repeat("€", 128))).has_value());
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", repeat("\xF0\x9F\x94\x91", 128))).has_value());
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", repeat("€", 129)))), kMsg));
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", std::string(10'000, 'p')))), kMsg));
}

// A NUL inside a password is refused (argon2 and C strings would disagree about where it ends).
TEST(AccountRequestsSignupTest, PasswordWithNulRefused) {
  const auto errors = errorsOf(parseSignup(signupBody("ann@example.com", std::string("password\0x", 10))));
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
}

// Name: 1–100 characters after trimming, no control characters.
TEST(AccountRequestsSignupTest, NameRules) {
  const std::string kLen = "name must be between 1 and 100 characters";
  const std::string kCtl = "name must not contain control characters";
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "password123", ""))), kLen));
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "password123", " \t\n "))), kLen));
  EXPECT_TRUE(
      hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "password123", std::string(101, 'n')))), kLen));
  EXPECT_TRUE(
      hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "password123", std::string(10'000, 'n')))), kLen));
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", "password123", std::string(100, 'n'))).has_value());
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", "password123", repeat("ü", 100))).has_value());
  EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "password123", repeat("ü", 101)))), kLen));
  EXPECT_TRUE(parseSignup(signupBody("ann@example.com", "password123", "N")).has_value());
  // Trimmed before counting: 100 characters plus surrounding spaces is fine.
  EXPECT_TRUE(
      parseSignup(signupBody("ann@example.com", "password123", "  " + std::string(100, 'n') + "  ")).has_value());
  for (const std::string& bad :
       std::vector<std::string>{std::string("An\tn"), std::string("An\nn"), std::string("A\0n", 3),
                                std::string("An\x7Fn"), std::string("An\x1Bn")}) {
    EXPECT_TRUE(hasMessage(errorsOf(parseSignup(signupBody("ann@example.com", "password123", bad))), kCtl));
  }
}

// Wrong JSON types are each reported as "<field> must be a string", all at once.
TEST(AccountRequestsSignupTest, WrongTypes) {
  const auto errors = errorsOf(parseSignup(json{{"email", 5}, {"password", true}, {"name", json::object()}}));
  EXPECT_EQ(errors.size(), 3u) << joined(errors);
  EXPECT_TRUE(hasMessage(errors, "email must be a string"));
  EXPECT_TRUE(hasMessage(errors, "password must be a string"));
  EXPECT_TRUE(hasMessage(errors, "name must be a string"));
  for (const json& v : std::vector<json>{json(nullptr), json::array({"ann@example.com"}), json(1.5)}) {
    EXPECT_TRUE(hasMessage(errorsOf(parseSignup(json{{"email", v}, {"password", "password123"}, {"name", "A"}})),
                           "email must be a string"))
        << v.dump();
  }
}

// Missing fields are reported one by one.
TEST(AccountRequestsSignupTest, MissingFields) {
  const auto errors = errorsOf(parseSignup(json::object()));
  EXPECT_EQ(errors.size(), 3u) << joined(errors);
  const auto onlyEmail = errorsOf(parseSignup(json{{"email", "ann@example.com"}}));
  EXPECT_EQ(onlyEmail.size(), 2u) << joined(onlyEmail);
}

// Unknown fields are refused by name (no mass assignment of isActive and the like).
TEST(AccountRequestsSignupTest, UnknownFields) {
  json body = signupBody();
  body["isActive"] = false;
  body["role"] = "admin";
  const auto errors = errorsOf(parseSignup(body));
  EXPECT_TRUE(hasMessage(errors, "property isActive should not exist")) << joined(errors);
  EXPECT_TRUE(hasMessage(errors, "property role should not exist")) << joined(errors);
}

// A body that is not an object is one clear error, for each endpoint.
TEST(AccountRequestsSignupTest, NonObjectBody) {
  for (const json& body : std::vector<json>{json::array(), json::array({1, 2}), json("ann@example.com"), json(42),
                                            json(true), json(nullptr)}) {
    EXPECT_EQ(errorsOf(parseSignup(body)), std::vector<std::string>{"body must be a JSON object"}) << body.dump();
    EXPECT_EQ(errorsOf(parseLogin(body)), std::vector<std::string>{"body must be a JSON object"}) << body.dump();
    EXPECT_EQ(errorsOf(parseRefresh(body)), std::vector<std::string>{"body must be a JSON object"}) << body.dump();
    if (!body.is_null()) {
      EXPECT_EQ(errorsOf(parseLogout(body)), std::vector<std::string>{"body must be a JSON object"}) << body.dump();
    }
  }
}

// Every problem is reported in one answer.
TEST(AccountRequestsSignupTest, MultipleErrorsAtOnce) {
  json body = signupBody("not-an-email", "short", "");
  body["extra"] = 1;
  const auto errors = errorsOf(parseSignup(body));
  EXPECT_EQ(errors.size(), 4u) << joined(errors);
}

// Login trims the email and does not check password shape beyond bounds (a wrong password is a 401, not a 400).
TEST(AccountRequestsLoginTest, ValidAndTrimmed) {
  const auto r = parseLogin(json{{"email", "  Ann@Example.com "}, {"password", "x"}});
  ASSERT_TRUE(r.has_value()) << joined(r.error().details);
  EXPECT_EQ(r->email, "Ann@Example.com");
  EXPECT_EQ(r->password, "x");
}

// Login refuses empty or oversize fields, wrong types, missing and unknown fields.
TEST(AccountRequestsLoginTest, Refusals) {
  EXPECT_TRUE(
      hasMessage(errorsOf(parseLogin(json{{"email", "   "}, {"password", "password123"}})), "email must be an email"));
  EXPECT_TRUE(hasMessage(errorsOf(parseLogin(json{{"email", std::string(300, 'a')}, {"password", "password123"}})),
                         "email must be an email"));
  EXPECT_FALSE(parseLogin(json{{"email", "ann@example.com"}, {"password", ""}}).has_value());
  EXPECT_FALSE(parseLogin(json{{"email", "ann@example.com"}, {"password", std::string(10'000, 'p')}}).has_value());
  EXPECT_TRUE(
      parseLogin(json{{"email", "ann@example.com"}, {"password", repeat("\xF0\x9F\x94\x91", 128)}}).has_value());
  const auto types = errorsOf(parseLogin(json{{"email", 5}, {"password", true}}));
  EXPECT_EQ(types.size(), 2u) << joined(types);
  EXPECT_EQ(errorsOf(parseLogin(json::object())).size(), 2u);
  const auto unknown = errorsOf(parseLogin(json{{"email", "ann@example.com"}, {"password", "p"}, {"name", "A"}}));
  EXPECT_TRUE(hasMessage(unknown, "property name should not exist")) << joined(unknown);
}

// Refresh needs exactly one non-empty string of bounded length.
TEST(AccountRequestsRefreshTest, Rules) {
  const auto ok = parseRefresh(json{{"refreshToken", "rt_abc"}});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "rt_abc");
  EXPECT_TRUE(parseRefresh(json{{"refreshToken", std::string(512, 'r')}}).has_value());
  EXPECT_FALSE(parseRefresh(json{{"refreshToken", std::string(513, 'r')}}).has_value());
  EXPECT_FALSE(parseRefresh(json{{"refreshToken", ""}}).has_value());
  EXPECT_TRUE(hasMessage(errorsOf(parseRefresh(json{{"refreshToken", 5}})), "refreshToken must be a string"));
  EXPECT_TRUE(hasMessage(errorsOf(parseRefresh(json{{"refreshToken", nullptr}})), "refreshToken must be a string"));
  EXPECT_TRUE(hasMessage(errorsOf(parseRefresh(json::object())), "refreshToken must be a string"));
  const auto unknown = errorsOf(parseRefresh(json{{"refreshToken", "rt_abc"}, {"accessToken", "x"}}));
  EXPECT_TRUE(hasMessage(unknown, "property accessToken should not exist")) << joined(unknown);
}

// Logout's body is optional: null, {} and a null token mean "no token"; a string is taken; anything else is refused.
TEST(AccountRequestsLogoutTest, Rules) {
  for (const json& none : std::vector<json>{json(nullptr), json::object(), json{{"refreshToken", nullptr}}}) {
    const auto r = parseLogout(none);
    ASSERT_TRUE(r.has_value()) << none.dump();
    EXPECT_FALSE(r->has_value()) << none.dump();
  }
  const auto r = parseLogout(json{{"refreshToken", "rt_abc"}});
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, "rt_abc");
  EXPECT_TRUE(hasMessage(errorsOf(parseLogout(json{{"refreshToken", 5}})), "refreshToken must be a string"));
  EXPECT_TRUE(
      hasMessage(errorsOf(parseLogout(json{{"refreshToken", json::object()}})), "refreshToken must be a string"));
  EXPECT_TRUE(hasMessage(errorsOf(parseLogout(json{{"refreshToken", std::string(10'000, 'r')}})),
                         "refreshToken must be a string"));
  const auto unknown = errorsOf(parseLogout(json{{"everywhere", true}}));
  EXPECT_TRUE(hasMessage(unknown, "property everywhere should not exist")) << joined(unknown);
}

// isValidEmail is usable on its own (the key routes and tools share it).
TEST(AccountRequestsEmailTest, IsValidEmail) {
  EXPECT_TRUE(isValidEmail("ann@example.com"));
  EXPECT_FALSE(isValidEmail("ann@example"));
  EXPECT_FALSE(isValidEmail(""));
  EXPECT_FALSE(isValidEmail("a@b.c@d.com"));
}

// normalizeEmail is the one form emails are compared in: trimmed and ASCII-lowercased, and nothing for an address
// signup refuses, lookalike letters included (no Unicode case mapping can make them equal to a real address).
TEST(AccountRequestsEmailTest, NormalizeEmail) {
  EXPECT_EQ(normalizeEmail("  Ann.Lee+x@Example.COM \t"), "ann.lee+x@example.com");
  EXPECT_EQ(normalizeEmail("kiki@example.com"), "kiki@example.com");
  for (const std::string& bad : std::vector<std::string>{
           "\u212Aiki@example.com", "k\u0130ki@example.com", "kiki@exa\u212Aple.com", "\u00e9t\u00e9@example.com",
           "ann@example", "", "a@b.c@d.com", std::string(250, 'a') + "@x.io"}) {
    EXPECT_FALSE(normalizeEmail(bad).has_value()) << bad;
  }
}

// POST /auth/password: the new password follows signup's rules (named newPassword); the current one is only bounded,
// so a wrong one is a 401 later, not a 400; unknown fields are refused.
TEST(AccountRequestsPasswordTest, ChangePassword) {
  const auto ok = parseChangePassword(json{{"currentPassword", "x"}, {"newPassword", "long enough"}});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->currentPassword, "x");
  EXPECT_EQ(ok->newPassword, "long enough");
  const auto shortNew = parseChangePassword(json{{"currentPassword", "whatever1"}, {"newPassword", "short"}});
  ASSERT_FALSE(shortNew.has_value());
  EXPECT_EQ(shortNew.error().details, std::vector<std::string>{"newPassword must be between 8 and 128 characters"});
  const auto nul =
      parseChangePassword(json{{"currentPassword", "whatever1"}, {"newPassword", std::string("abc\0defgh", 9)}});
  ASSERT_FALSE(nul.has_value());
  EXPECT_FALSE(
      parseChangePassword(json{{"currentPassword", "a"}, {"newPassword", "long enough"}, {"x", 1}}).has_value());
  EXPECT_FALSE(parseChangePassword(json{{"newPassword", "long enough"}}).has_value());
}

// POST /auth/password-reset/request takes a well-formed email, normalised; anything else is a 400.
TEST(AccountRequestsPasswordTest, ResetRequest) {
  EXPECT_EQ(parseResetRequest(json{{"email", " Ann@Example.COM "}}).value_or(""), "ann@example.com");
  EXPECT_FALSE(parseResetRequest(json{{"email", "not an email"}}).has_value());
  EXPECT_FALSE(parseResetRequest(json{{"email", "ann@example.com"}, {"name", "x"}}).has_value());
  EXPECT_FALSE(parseResetRequest(json::array()).has_value());
}

// POST /auth/password-reset/confirm: a token string and a new password under signup's rules.
TEST(AccountRequestsPasswordTest, ResetConfirm) {
  const auto ok = parseResetConfirm(json{{"token", "rst_abc"}, {"newPassword", "long enough"}});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->token, "rst_abc");
  EXPECT_FALSE(parseResetConfirm(json{{"token", ""}, {"newPassword", "long enough"}}).has_value());
  EXPECT_FALSE(parseResetConfirm(json{{"token", "rst_abc"}, {"newPassword", "short"}}).has_value());
  EXPECT_FALSE(parseResetConfirm(json{{"token", 5}, {"newPassword", "long enough"}}).has_value());
}

}  // namespace
}  // namespace authd::accounts
