#include "accounts/password_service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "events/sealed_token.hpp"
#include "support/fakes/fake_session_store.hpp"
#include "support/fakes/fake_windowed_counter.hpp"

namespace authd::accounts {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPassword = "correct horse battery";
constexpr std::string_view kNewPassword = "a whole new password";
const events::Origin kOrigin{"203.0.113.7", "unit-test/1"};

class PasswordServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto u = users_.create("ann@example.com", "Ann", *hasher_->hash(kPassword), kOrigin);
    ASSERT_TRUE(u.has_value());
    ann_ = u->id;
    store_.addSession(ann_, current_);
    store_.addSession(ann_, other_);
  }
  tokens::AccessClaims claims() {
    tokens::AccessClaims c{};
    c.sub = ann_;
    c.sid = current_;
    return c;
  }
  const std::string& hashOf() { return users_.users.at(ann_).passwordHash; }
  // The token of the last reset request's event, opened as a delivery opens it.
  std::string tokenFromEvent() {
    EXPECT_FALSE(store_.events.empty());
    const auto opened = events::openSealedToken(store_.events.back(), box_);
    const auto data = nlohmann::json::parse(opened.data);
    return data.at("token").is_string() ? data.at("token").get<std::string>() : std::string();
  }
  static void expectCode(const Status& s, Code c) {
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, c) << codeName(s.error().code);
  }

  FakeClock clock_;
  testing::FakeUserStore users_{clock_};
  testing::FakeSessionStore store_{users_, clock_};
  testing::FakeWindowedCounter counter_{clock_};
  std::unique_ptr<PasswordHasher> hasher_ =
      PasswordHasher::createArgon2id({.memoryKiB = 1024, .iterations = 1, .parallelism = 1});
  LoginThrottle throttle_{counter_, {.maxFailuresPerEmail = 3, .maxFailuresPerAddress = 10, .window = 60s}};
  events::SecretBox box_{"unit-test-webhook-secrets-key"};
  PasswordService service_{users_,   store_, *hasher_, throttle_,
                           counter_, box_,   clock_,   {.ttl = 900s, .limitPerAddress = 5, .window = 60s}};
  std::string ann_;
  const std::string current_ = crypto::uuidV4(), other_ = crypto::uuidV4();
};

// A change with the right current password sets a new hash that verifies the new password, ends every other
// session but keeps the caller's, and writes user.password_changed {via: change}.
TEST_F(PasswordServiceTest, ChangeRehashesAndEndsOtherSessions) {
  ASSERT_TRUE(service_.change(claims(), {std::string(kPassword), std::string(kNewPassword)}, kOrigin).has_value());
  EXPECT_TRUE(hasher_->verify(hashOf(), kNewPassword));
  EXPECT_FALSE(hasher_->verify(hashOf(), kPassword));
  EXPECT_FALSE(store_.sessions.at(current_).revoked);
  EXPECT_TRUE(store_.sessions.at(other_).revoked);
  ASSERT_FALSE(store_.events.empty());
  EXPECT_EQ(store_.events.back().type, events::type::kUserPasswordChanged);
  EXPECT_EQ(nlohmann::json::parse(store_.events.back().data).at("via"), "change");
}

// A wrong current password is invalid_credentials (a login's answer), changes nothing, and is counted by the login
// throttle: past its per-email limit the next attempt is 429 even with the right password.
TEST_F(PasswordServiceTest, WrongCurrentPasswordIsCountedByTheLoginThrottle) {
  const std::string before = hashOf();
  for (int i = 0; i < 3; ++i) {
    expectCode(service_.change(claims(), {"wrong password", std::string(kNewPassword)}, kOrigin),
               Code::kInvalidCredentials);
  }
  EXPECT_EQ(hashOf(), before);
  EXPECT_FALSE(store_.sessions.at(other_).revoked);
  expectCode(service_.change(claims(), {std::string(kPassword), std::string(kNewPassword)}, kOrigin),
             Code::kTooManyRequests);
  EXPECT_EQ(hashOf(), before);
}

// A reset request for an account's email and for an unknown one make the same single store call; only the account
// gets a reset row and an event, whose data holds the token sealed (never in clear) and whose opened form carries it.
TEST_F(PasswordServiceTest, ResetRequestSealsTheTokenAndLooksTheSameForUnknownEmails) {
  ASSERT_TRUE(service_.requestReset("nobody@example.com", kOrigin).has_value());
  EXPECT_EQ(store_.resetRequests, 1);
  EXPECT_TRUE(store_.resets.empty());
  const size_t eventsBefore = store_.events.size();
  ASSERT_TRUE(service_.requestReset("ann@example.com", kOrigin).has_value());
  EXPECT_EQ(store_.resetRequests, 2);
  ASSERT_EQ(store_.events.size(), eventsBefore + 1);
  const auto& e = store_.events.back();
  EXPECT_EQ(e.type, events::type::kUserPasswordResetRequested);
  EXPECT_EQ(e.userId, ann_);
  const std::string token = tokenFromEvent();
  ASSERT_TRUE(PasswordService::isWellFormedResetToken(token)) << token;
  EXPECT_TRUE(token.starts_with("rst_"));
  EXPECT_EQ(e.data.find(token), std::string::npos) << "the stored event holds the token in clear";
  EXPECT_EQ(events::toJson(e).find("sealedToken"), std::string::npos);
  ASSERT_EQ(store_.resets.size(), 1u);
  EXPECT_EQ(store_.resets.begin()->first, PasswordService::hashResetToken(token));
  EXPECT_EQ(store_.resets.begin()->second.expiresAt, clock_.now() + 900s);
}

// A reset token works once: it sets the password and ends every session (the current one too); a second use, an
// unknown or malformed token, and an expired one are invalid_reset_token.
TEST_F(PasswordServiceTest, ResetConfirmWorksOnceAndEndsEverySession) {
  ASSERT_TRUE(service_.requestReset("ann@example.com", kOrigin).has_value());
  const std::string token = tokenFromEvent();
  ASSERT_TRUE(service_.confirmReset({token, std::string(kNewPassword)}, kOrigin).has_value());
  EXPECT_TRUE(hasher_->verify(hashOf(), kNewPassword));
  EXPECT_TRUE(store_.sessions.at(current_).revoked);
  EXPECT_TRUE(store_.sessions.at(other_).revoked);
  EXPECT_EQ(nlohmann::json::parse(store_.events.back().data).at("via"), "reset");
  expectCode(service_.confirmReset({token, "yet another password"}, kOrigin), Code::kInvalidResetToken);
  EXPECT_TRUE(hasher_->verify(hashOf(), kNewPassword));
  expectCode(service_.confirmReset({"rst_" + crypto::base64UrlEncode(crypto::randomBytes(32)), "password123"}, kOrigin),
             Code::kInvalidResetToken);
  expectCode(service_.confirmReset({"rt_not-a-reset-token", "password123"}, kOrigin), Code::kInvalidResetToken);

  // From another address: this one has used up its five reset calls.
  const events::Origin elsewhere{"198.51.100.9", ""};
  ASSERT_TRUE(service_.requestReset("ann@example.com", elsewhere).has_value());
  const std::string late = tokenFromEvent();
  clock_.advance(901s);
  expectCode(service_.confirmReset({late, "password123"}, elsewhere), Code::kInvalidResetToken);
}

// Reset calls are throttled per client address: past the limit, 429 with Retry-After, and the store is not asked.
TEST_F(PasswordServiceTest, ResetCallsAreThrottledPerAddress) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(service_.requestReset("nobody@example.com", kOrigin).has_value());
  auto r = service_.requestReset("ann@example.com", kOrigin);
  expectCode(r, Code::kTooManyRequests);
  EXPECT_GE(r.error().retryAfterSeconds, 1);
  EXPECT_EQ(store_.resetRequests, 5);
  EXPECT_TRUE(service_.requestReset("ann@example.com", {"198.51.100.1", ""}).has_value());
}

// A delivery whose box cannot open the seal (another key) carries token null, never the sealed text.
TEST_F(PasswordServiceTest, ASealUnderAnotherKeyOpensToNull) {
  ASSERT_TRUE(service_.requestReset("ann@example.com", kOrigin).has_value());
  const events::SecretBox other("another key");
  const auto opened = events::openSealedToken(store_.events.back(), other);
  const auto data = nlohmann::json::parse(opened.data);
  EXPECT_TRUE(data.at("token").is_null());
  EXPECT_FALSE(data.contains("sealedToken"));
}

// Only a reset request's event is ever opened: the same data under any other type is passed on as it is.
TEST_F(PasswordServiceTest, OnlyAResetRequestsEventIsOpened) {
  ASSERT_TRUE(service_.requestReset("ann@example.com", kOrigin).has_value());
  events::Event e = store_.events.back();
  e.type = std::string(events::type::kKeyUpdated);
  const auto opened = events::openSealedToken(e, box_);
  EXPECT_EQ(opened.data, e.data);
  EXPECT_FALSE(nlohmann::json::parse(opened.data).contains("token"));
}

}  // namespace
}  // namespace authd::accounts
