#include "accounts/account_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "support/fakes/fake_account_stores.hpp"
#include "support/fakes/fake_refresh_token_store.hpp"
#include "support/fakes/fake_windowed_counter.hpp"

namespace authd::accounts {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPassword = "correct horse battery";
constexpr std::string_view kAddress = "203.0.113.7";
constexpr ThrottleLimits kLimits{.maxFailuresPerEmail = 3, .maxFailuresPerAddress = 10, .window = 60s};

// A request from `address` by a client that names itself.
events::Origin origin(std::string_view address) { return {std::string(address), "unit-test/1"}; }

class AccountServiceTest : public ::testing::Test {
 protected:
  Session signup(std::string email, std::string name = "Ann") {
    auto s = service_.signup({std::move(email), std::string(kPassword), std::move(name)}, origin(kAddress));
    EXPECT_TRUE(s.has_value()) << (s ? "" : codeName(s.error().code));
    return s ? *s : Session{};
  }
  static void expectCode(const Error& e, Code c) { EXPECT_EQ(e.code, c) << codeName(e.code) << " != " << codeName(c); }
  tokens::AccessClaims claimsOf(const Session& s) {
    auto c = access_->verify(s.accessToken);
    EXPECT_TRUE(c.has_value());
    return c ? *c : tokens::AccessClaims{};
  }
  void deactivate(const std::string& userId) { users_.users.at(userId).isActive = false; }

  FakeClock clock_;
  testing::FakeUserStore users_{clock_};
  testing::FakeRefreshTokenStore refreshStore_;
  testing::FakeWindowedCounter counter_{clock_};
  testing::FakeAccessTokenRevoker revoker_;
  std::unique_ptr<PasswordHasher> hasher_ =
      PasswordHasher::createArgon2id({.memoryKiB = 1024, .iterations = 1, .parallelism = 1});
  std::unique_ptr<tokens::AccessTokens> access_ =
      tokens::AccessTokens::createHs256("unit-test-secret-0123456789abcdef0123456789", "authd", 1h, clock_);
  tokens::RefreshTokens refresh_{refreshStore_, clock_, 7 * 24h};
  LoginThrottle throttle_{counter_, kLimits};
  testing::FakeEventWriter failures_;
  AccountService service_{users_, *hasher_, *access_, refresh_, throttle_, revoker_, failures_};
};

// Signup stores an argon2id hash (never the password) and returns an access token that verifies for the new user,
// bound to the session of a refresh token that rotates.
TEST_F(AccountServiceTest, SignupReturnsTokensThatVerify) {
  const Session s = signup("ann@example.com");
  ASSERT_FALSE(s.user.id.empty());
  EXPECT_EQ(s.user.email, "ann@example.com");
  EXPECT_EQ(s.user.name, "Ann");
  const auto& stored = users_.users.at(s.user.id);
  EXPECT_TRUE(stored.passwordHash.starts_with("$argon2id$")) << stored.passwordHash;
  EXPECT_EQ(stored.passwordHash.find(kPassword), std::string::npos);

  const auto claims = access_->verify(s.accessToken);
  ASSERT_TRUE(claims.has_value()) << codeName(claims.error().code);
  EXPECT_EQ(claims->sub, s.user.id);
  EXPECT_EQ(claims->email, "ann@example.com");
  EXPECT_TRUE(crypto::isUuid(claims->sid)) << claims->sid;
  ASSERT_EQ(refreshStore_.rows.size(), 1u);
  EXPECT_EQ(refreshStore_.rows.begin()->second.familyId, claims->sid);
  EXPECT_EQ(refreshStore_.rows.begin()->second.userId, s.user.id);

  const auto rotated = service_.refresh(s.refreshToken);
  ASSERT_TRUE(rotated.has_value()) << codeName(rotated.error().code);
  EXPECT_EQ(rotated->user.id, s.user.id);
}

// A duplicate email (in another case) is the store's kEmailTaken, passed through, and issues no tokens.
TEST_F(AccountServiceTest, DuplicateEmailPassesEmailTakenThrough) {
  signup("ann@example.com");
  const size_t rows = refreshStore_.rows.size();
  const auto again = service_.signup({"ANN@Example.com", std::string(kPassword), "Other"}, origin(kAddress));
  ASSERT_FALSE(again.has_value());
  expectCode(again.error(), Code::kEmailTaken);
  EXPECT_EQ(refreshStore_.rows.size(), rows);
}

// Login with the right password (any email case) returns a session of the same user.
TEST_F(AccountServiceTest, LoginWithRightPassword) {
  const Session s = signup("ann@example.com");
  const auto in = service_.login({"Ann@Example.COM", std::string(kPassword)}, origin(kAddress));
  ASSERT_TRUE(in.has_value()) << codeName(in.error().code);
  EXPECT_EQ(in->user.id, s.user.id);
  EXPECT_TRUE(access_->verify(in->accessToken).has_value());
  EXPECT_NE(in->refreshToken, s.refreshToken);
}

// A wrong password and an unknown email are the same kInvalidCredentials, and both count as failures.
TEST_F(AccountServiceTest, WrongPasswordAndUnknownEmailAreIndistinguishableAndCounted) {
  signup("ann@example.com");
  const auto wrong = service_.login({"ann@example.com", "not the password"}, origin(kAddress));
  const auto unknown = service_.login({"nobody@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(wrong.has_value());
  ASSERT_FALSE(unknown.has_value());
  expectCode(wrong.error(), Code::kInvalidCredentials);
  expectCode(unknown.error(), Code::kInvalidCredentials);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  // Two more failures for each email reach the limit of 3 for both: proof that both were counted.
  for (int i = 0; i < 2; ++i) {
    (void)service_.login({"ann@example.com", "not the password"}, origin(kAddress));
    (void)service_.login({"nobody@example.com", "whatever1"}, origin(kAddress));
  }
  const auto a = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
  const auto b = service_.login({"nobody@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(a.has_value());
  ASSERT_FALSE(b.has_value());
  expectCode(a.error(), Code::kTooManyRequests);
  expectCode(b.error(), Code::kTooManyRequests);
}

// After N failures even the right password is refused with kTooManyRequests and a Retry-After; the window ends.
TEST_F(AccountServiceTest, ThrottledAfterMaxFailuresUntilWindowEnds) {
  signup("ann@example.com");
  for (int i = 0; i < kLimits.maxFailuresPerEmail; ++i) {
    const auto r = service_.login({"ann@example.com", "wrong password"}, origin(kAddress));
    ASSERT_FALSE(r.has_value());
    expectCode(r.error(), Code::kInvalidCredentials);
  }
  const auto throttled = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(throttled.has_value());
  expectCode(throttled.error(), Code::kTooManyRequests);
  EXPECT_GT(throttled.error().retryAfterSeconds, 0);
  EXPECT_LE(throttled.error().retryAfterSeconds, 60);
  clock_.advance(61s);
  EXPECT_TRUE(service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
}

// A success clears the email's failures, so the count starts again from zero.
TEST_F(AccountServiceTest, SuccessResetsEmailCounter) {
  signup("ann@example.com");
  for (int i = 0; i < kLimits.maxFailuresPerEmail - 1; ++i)
    ASSERT_FALSE(service_.login({"ann@example.com", "wrong password"}, origin(kAddress)).has_value());
  ASSERT_TRUE(service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
  for (int i = 0; i < kLimits.maxFailuresPerEmail - 1; ++i) {
    const auto r = service_.login({"ann@example.com", "wrong password"}, origin(kAddress));
    ASSERT_FALSE(r.has_value());
    expectCode(r.error(), Code::kInvalidCredentials);
  }
  EXPECT_TRUE(service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
}

// With the counter store unreachable, logins are not throttled (availability over throttling).
TEST_F(AccountServiceTest, CounterOutageDoesNotThrottle) {
  signup("ann@example.com");
  counter_.down = true;
  for (int i = 0; i < 2 * kLimits.maxFailuresPerEmail; ++i) {
    const auto r = service_.login({"ann@example.com", "wrong password"}, origin(kAddress));
    ASSERT_FALSE(r.has_value());
    expectCode(r.error(), Code::kInvalidCredentials);
  }
  EXPECT_TRUE(service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
}

// A lookalike of an email (U+212A KELVIN SIGN for "k", U+0130 for "i") is no account, even with the right password,
// and is counted apart from the real address: locking one leaves the other locked or refused, never open.
TEST_F(AccountServiceTest, LookalikeEmailIsNoAccountAndSharesNoCounter) {
  signup("kiki@example.com");
  for (const std::string fake : {"\u212Aiki@example.com", "k\u0130ki@example.com"}) {
    const auto in = service_.login({fake, std::string(kPassword)}, origin(""));
    ASSERT_FALSE(in.has_value()) << fake;
    expectCode(in.error(), Code::kInvalidCredentials);
  }
  for (int i = 0; i < kLimits.maxFailuresPerEmail; ++i) (void)service_.login({"kiki@example.com", "wrong"}, origin(""));
  const auto locked = service_.login({" KIKI@example.com ", std::string(kPassword)}, origin(""));
  ASSERT_FALSE(locked.has_value());
  expectCode(locked.error(), Code::kTooManyRequests);
  const auto viaLookalike = service_.login({"\u212Aiki@example.com", std::string(kPassword)}, origin(""));
  ASSERT_FALSE(viaLookalike.has_value());
  expectCode(viaLookalike.error(), Code::kInvalidCredentials);
}

// An attempt the user store could not answer is given back: an outage does not lock anyone out.
TEST_F(AccountServiceTest, StoreOutageDuringLoginCostsNoAttempt) {
  signup("ann@example.com");
  users_.down = true;
  for (int i = 0; i < 2 * kLimits.maxFailuresPerEmail; ++i) {
    const auto r = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
    ASSERT_FALSE(r.has_value());
    expectCode(r.error(), Code::kDatabaseUnavailable);
  }
  users_.down = false;
  EXPECT_TRUE(service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
}

// A deactivated user with the right password gets kUserInactive and no tokens; a wrong password stays a 401.
TEST_F(AccountServiceTest, InactiveUserCannotLogIn) {
  const Session s = signup("ann@example.com");
  deactivate(s.user.id);
  const size_t rows = refreshStore_.rows.size();
  const auto in = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(in.has_value());
  expectCode(in.error(), Code::kUserInactive);
  EXPECT_EQ(refreshStore_.rows.size(), rows);
  const auto wrong = service_.login({"ann@example.com", "wrong password"}, origin(kAddress));
  ASSERT_FALSE(wrong.has_value());
  expectCode(wrong.error(), Code::kInvalidCredentials);
}

// A deactivated user's refresh is refused with kUserInactive and its whole family is revoked.
TEST_F(AccountServiceTest, InactiveUserCannotRefreshAndFamilyIsRevoked) {
  const Session s = signup("ann@example.com");
  const std::string family = claimsOf(s).sid;
  deactivate(s.user.id);
  const auto r = service_.refresh(s.refreshToken);
  ASSERT_FALSE(r.has_value());
  expectCode(r.error(), Code::kUserInactive);
  EXPECT_TRUE(refreshStore_.familyRevoked(family));
  // Reactivated, the revoked session stays dead.
  users_.users.at(s.user.id).isActive = true;
  const auto again = service_.refresh(s.refreshToken);
  ASSERT_FALSE(again.has_value());
  expectCode(again.error(), Code::kInvalidRefreshToken);
}

// Refresh rotates: a new token in the same session; the spent one is reuse, which kills the successor too.
TEST_F(AccountServiceTest, RefreshRotatesAndReuseIsDetected) {
  const Session s = signup("ann@example.com");
  const auto r1 = service_.refresh(s.refreshToken);
  ASSERT_TRUE(r1.has_value()) << codeName(r1.error().code);
  EXPECT_NE(r1->refreshToken, s.refreshToken);
  EXPECT_EQ(claimsOf(*r1).sid, claimsOf(s).sid);
  EXPECT_EQ(r1->user.email, "ann@example.com");

  const auto reused = service_.refresh(s.refreshToken);
  ASSERT_FALSE(reused.has_value());
  expectCode(reused.error(), Code::kInvalidRefreshToken);
  const auto successor = service_.refresh(r1->refreshToken);
  ASSERT_FALSE(successor.has_value());
  expectCode(successor.error(), Code::kInvalidRefreshToken);
}

// Garbage refresh tokens are kInvalidRefreshToken.
TEST_F(AccountServiceTest, GarbageRefreshTokenIsInvalid) {
  for (const std::string& t : std::vector<std::string>{"", "rt_", "garbage", std::string(600, 'x')}) {
    const auto r = service_.refresh(t);
    ASSERT_FALSE(r.has_value());
    expectCode(r.error(), Code::kInvalidRefreshToken);
  }
}

// Logout denies the access token by jti/sub/exp and revokes its session, plus a given refresh token of the same
// user, but never another user's session.
TEST_F(AccountServiceTest, LogoutRevokesAccessTokenSessionAndOwnRefreshTokenOnly) {
  const Session s = signup("ann@example.com");
  const auto second = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));  // another device
  const auto third = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));   // untouched
  const Session bob = signup("bob@example.com");
  ASSERT_TRUE(second && third);
  const auto claims = claimsOf(s);

  ASSERT_TRUE(service_.logout(claims, second->refreshToken, origin(kAddress)).has_value());
  ASSERT_EQ(revoker_.calls.size(), 1u);
  EXPECT_EQ(revoker_.calls[0].jti, claims.jti);
  EXPECT_EQ(revoker_.calls[0].userId, s.user.id);
  EXPECT_EQ(revoker_.calls[0].expiresAt, claims.exp);

  const auto own = service_.refresh(s.refreshToken);
  ASSERT_FALSE(own.has_value());
  expectCode(own.error(), Code::kInvalidRefreshToken);
  const auto given = service_.refresh(second->refreshToken);
  ASSERT_FALSE(given.has_value());
  expectCode(given.error(), Code::kInvalidRefreshToken);
  EXPECT_TRUE(service_.refresh(third->refreshToken).has_value());

  // Ann presenting Bob's refresh token does not log Bob out.
  const auto claims2 = claimsOf(*third);
  ASSERT_TRUE(service_.logout(claims2, bob.refreshToken, origin(kAddress)).has_value());
  EXPECT_TRUE(service_.refresh(bob.refreshToken).has_value());
}

// Logout without a refresh token revokes just the access token's session; a token without sid is fine too.
TEST_F(AccountServiceTest, LogoutWithoutRefreshTokenAndWithoutSid) {
  const Session s = signup("ann@example.com");
  ASSERT_TRUE(service_.logout(claimsOf(s), std::nullopt, origin(kAddress)).has_value());
  EXPECT_FALSE(service_.refresh(s.refreshToken).has_value());

  tokens::AccessClaims noSid = claimsOf(s);
  noSid.sid.clear();
  noSid.jti = "other-jti";
  const size_t families = refreshStore_.revocations.size();
  ASSERT_TRUE(service_.logout(noSid, std::nullopt, origin(kAddress)).has_value());
  EXPECT_EQ(refreshStore_.revocations.size(), families);
  EXPECT_EQ(revoker_.calls.back().jti, "other-jti");
}

// me() returns an active user, kUserInactive for a deactivated one and kInvalidToken for a deleted one.
TEST_F(AccountServiceTest, MeChecksTheUser) {
  const Session s = signup("ann@example.com", "Ann Lee");
  const auto me = service_.me(s.user.id);
  ASSERT_TRUE(me.has_value());
  EXPECT_EQ(me->email, "ann@example.com");
  EXPECT_EQ(me->name, "Ann Lee");
  EXPECT_EQ(me->createdAt, clock_.now());

  deactivate(s.user.id);
  const auto inactive = service_.me(s.user.id);
  ASSERT_FALSE(inactive.has_value());
  expectCode(inactive.error(), Code::kUserInactive);

  const auto gone = service_.me(crypto::uuidV4());
  ASSERT_FALSE(gone.has_value());
  expectCode(gone.error(), Code::kInvalidToken);
}

// A user store outage is kDatabaseUnavailable (503) everywhere, never a 401 or a 409, and never counts a failure.
TEST_F(AccountServiceTest, UserStoreOutagePassesThrough) {
  const Session s = signup("ann@example.com");
  users_.down = true;
  const auto up = service_.signup({"bob@example.com", std::string(kPassword), "Bob"}, origin(kAddress));
  ASSERT_FALSE(up.has_value());
  expectCode(up.error(), Code::kDatabaseUnavailable);
  for (int i = 0; i < kLimits.maxFailuresPerEmail + 1; ++i) {
    const auto in = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
    ASSERT_FALSE(in.has_value());
    expectCode(in.error(), Code::kDatabaseUnavailable);
  }
  const auto r = service_.refresh(s.refreshToken);
  ASSERT_FALSE(r.has_value());
  expectCode(r.error(), Code::kDatabaseUnavailable);
  const auto me = service_.me(s.user.id);
  ASSERT_FALSE(me.has_value());
  expectCode(me.error(), Code::kDatabaseUnavailable);
  users_.down = false;
  EXPECT_TRUE(service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
}

// A refresh-token store outage is kDatabaseUnavailable for signup, login, refresh and logout.
TEST_F(AccountServiceTest, RefreshStoreOutagePassesThrough) {
  const Session s = signup("ann@example.com");
  refreshStore_.down = true;
  const auto up = service_.signup({"bob@example.com", std::string(kPassword), "Bob"}, origin(kAddress));
  ASSERT_FALSE(up.has_value());
  expectCode(up.error(), Code::kDatabaseUnavailable);
  const auto in = service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(in.has_value());
  expectCode(in.error(), Code::kDatabaseUnavailable);
  const auto r = service_.refresh(s.refreshToken);
  ASSERT_FALSE(r.has_value());
  expectCode(r.error(), Code::kDatabaseUnavailable);
  const auto out = service_.logout(claimsOf(s), s.refreshToken, origin(kAddress));
  ASSERT_FALSE(out.has_value());
  expectCode(out.error(), Code::kDatabaseUnavailable);
}

// When the denial cannot be stored, logout fails with that error instead of pretending success.
TEST_F(AccountServiceTest, RevokerOutagePassesThrough) {
  const Session s = signup("ann@example.com");
  revoker_.down = true;
  const auto out = service_.logout(claimsOf(s), std::nullopt, origin(kAddress));
  ASSERT_FALSE(out.has_value());
  expectCode(out.error(), Code::kDatabaseUnavailable);
}

}  // namespace
}  // namespace authd::accounts

namespace authd::accounts {
namespace {

// Each account change hands its event to the store of that change, with the request's origin: signup to the user's
// insert, login to the new session's insert (naming the session the access token is bound to), logout to the
// access token's denial.
TEST_F(AccountServiceTest, ChangesHandTheirEventsToTheirOwnStores) {
  const Session s = signup("ann@example.com");
  ASSERT_EQ(users_.events.size(), 1u);
  EXPECT_EQ(users_.events[0].type, "user.signup");
  EXPECT_EQ(users_.events[0].userId, s.user.id);
  EXPECT_EQ(users_.events[0].origin.clientAddress, kAddress);
  EXPECT_EQ(users_.events[0].origin.userAgent, "unit-test/1");
  EXPECT_TRUE(refreshStore_.events.empty()) << "a signup's session records no login";

  const auto in = service_.login({"ann@example.com", std::string(kPassword)}, origin("198.51.100.2"));
  ASSERT_TRUE(in.has_value());
  ASSERT_EQ(refreshStore_.events.size(), 1u);
  const auto& login = refreshStore_.events[0];
  EXPECT_EQ(login.type, "user.login");
  EXPECT_EQ(login.actor.id, s.user.id);
  EXPECT_EQ(login.origin.clientAddress, "198.51.100.2");
  const auto claims = claimsOf(*in);
  EXPECT_NE(login.data.find(claims.sid), std::string::npos) << login.data;
  EXPECT_TRUE(failures_.written.empty());

  ASSERT_TRUE(service_.logout(claims, std::nullopt, origin("198.51.100.3")).has_value());
  ASSERT_EQ(revoker_.calls.size(), 1u);
  EXPECT_EQ(revoker_.calls[0].event.type, "user.logout");
  EXPECT_EQ(revoker_.calls[0].event.userId, s.user.id);
  EXPECT_EQ(revoker_.calls[0].event.origin.clientAddress, "198.51.100.3");
}

// A wrong password, an unknown email and an inactive user each write user.login_failed on their own (there is no
// change to write it with): in the account's log when the email has one, with the reason and never the password;
// a throttled attempt writes nothing; an outage of the writer does not change the answer.
TEST_F(AccountServiceTest, FailedLoginsAreRecordedButNotThrottledOnes) {
  const Session s = signup("ann@example.com");
  (void)service_.login({"ann@example.com", "not the password"}, origin(kAddress));
  (void)service_.login({"nobody@example.com", "not the password"}, origin(kAddress));
  ASSERT_EQ(failures_.written.size(), 2u);
  EXPECT_EQ(failures_.written[0].type, "user.login_failed");
  EXPECT_EQ(failures_.written[0].userId, s.user.id);
  EXPECT_EQ(failures_.written[0].data, R"({"reason":"invalid_credentials"})");
  EXPECT_TRUE(failures_.written[1].userId.empty());
  for (const auto& e : failures_.written) {
    EXPECT_EQ(e.data.find("not the password"), std::string::npos);
    EXPECT_EQ(e.origin.clientAddress, kAddress);
  }

  deactivate(s.user.id);
  (void)service_.login({"ann@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_EQ(failures_.written.size(), 3u);
  EXPECT_EQ(failures_.written[2].data, R"({"reason":"user_inactive"})");

  for (int i = 0; i < kLimits.maxFailuresPerEmail; ++i)
    (void)service_.login({"ann@example.com", "x"}, origin(kAddress));
  const size_t before = failures_.written.size();
  const auto throttled = service_.login({"ann@example.com", "x"}, origin(kAddress));
  ASSERT_FALSE(throttled.has_value());
  expectCode(throttled.error(), Code::kTooManyRequests);
  EXPECT_EQ(failures_.written.size(), before);

  failures_.down = true;
  const auto wrong = service_.login({"nobody2@example.com", "x"}, origin("198.51.100.9"));
  ASSERT_FALSE(wrong.has_value());
  expectCode(wrong.error(), Code::kInvalidCredentials);
}

// A user imported from the original service, with a bcrypt hash of kPassword (made by bcryptjs).
constexpr std::string_view kImportedHash = "$2b$04$Hv4AEVGHJhQu/ZCmdwQQreeXZVdvsUfjS5NwIY53Jl8BlSlhPRaAW";

class ImportedLoginTest : public AccountServiceTest {
 protected:
  std::string addImported(bool active = true) {
    accounts::User u{crypto::uuidV4(), "old@example.com", "Old", std::string(kImportedHash), active, clock_.now()};
    users_.users[u.id] = u;
    return u.id;
  }
};

// A login with an imported bcrypt hash succeeds, stores an argon2id hash of the same password in its place, and the
// session is bound to the new hash (so the store's "still the user's hash" check passes); the next login uses it.
TEST_F(ImportedLoginTest, BcryptLoginSucceedsAndRehashesToArgon2id) {
  const std::string id = addImported();
  const auto in = service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_TRUE(in.has_value()) << codeName(in.error().code);
  EXPECT_EQ(in->user.id, id);
  const std::string stored = users_.users.at(id).passwordHash;
  EXPECT_TRUE(stored.starts_with("$argon2id$")) << stored;
  EXPECT_TRUE(hasher_->verify(stored, kPassword));
  ASSERT_EQ(refreshStore_.rows.size(), 1u);
  EXPECT_EQ(refreshStore_.rows.begin()->second.passwordHash, stored);
  EXPECT_EQ(in->user.passwordHash, stored);

  const auto again = service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_TRUE(again.has_value()) << codeName(again.error().code);
  EXPECT_EQ(users_.users.at(id).passwordHash, stored);
  EXPECT_EQ(users_.upgrades, 1);
}

// A wrong password against a bcrypt hash is kInvalidCredentials and leaves the hash alone.
TEST_F(ImportedLoginTest, WrongPasswordKeepsBcryptHash) {
  const std::string id = addImported();
  const auto in = service_.login({"old@example.com", "not the password"}, origin(kAddress));
  ASSERT_FALSE(in.has_value());
  expectCode(in.error(), Code::kInvalidCredentials);
  EXPECT_EQ(users_.users.at(id).passwordHash, kImportedHash);
  EXPECT_EQ(users_.upgrades, 0);
}

// An inactive imported user is refused like any inactive user, and the hash is not replaced.
TEST_F(ImportedLoginTest, InactiveImportedUserIsRefusedUnchanged) {
  const std::string id = addImported(false);
  const auto in = service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(in.has_value());
  expectCode(in.error(), Code::kUserInactive);
  EXPECT_EQ(users_.users.at(id).passwordHash, kImportedHash);
}

// A failed rehash write does not fail the login: the session is bound to the bcrypt hash, still the user's, and the
// next login tries again.
TEST_F(ImportedLoginTest, FailedRehashWriteStillLogsIn) {
  const std::string id = addImported();
  users_.upgradeFails = true;
  const auto in = service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_TRUE(in.has_value()) << codeName(in.error().code);
  EXPECT_EQ(users_.users.at(id).passwordHash, kImportedHash);
  EXPECT_EQ(refreshStore_.rows.begin()->second.passwordHash, kImportedHash);

  users_.upgradeFails = false;
  ASSERT_TRUE(service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress)).has_value());
  EXPECT_TRUE(users_.users.at(id).passwordHash.starts_with("$argon2id$"));
  EXPECT_EQ(users_.upgrades, 2);
}

// A password set between the check and the rehash wins: the conditional replace changes nothing, and the session
// is bound to the hash the login checked (which PostgreSQL's store then refuses: it is no longer the user's).
TEST_F(ImportedLoginTest, ConcurrentPasswordChangeWinsOverRehash) {
  const std::string id = addImported();
  refreshStore_.stillHasHash = [&](const tokens::RefreshRecord& r) {
    return users_.users.at(r.userId).passwordHash == r.passwordHash;
  };
  auto other = hasher_->hash("another password 123");
  ASSERT_TRUE(other.has_value());
  users_.beforeUpgrade = [&] { users_.users.at(id).passwordHash = *other; };
  const auto in = service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_FALSE(in.has_value());
  expectCode(in.error(), Code::kInvalidCredentials);
  EXPECT_EQ(users_.users.at(id).passwordHash, *other);
  EXPECT_TRUE(refreshStore_.rows.empty()) << "no session for a password that is no longer the user's";
}

// Two first logins of an imported user at once: the one whose rehash lost finds the other's argon2id hash of the
// same password and logs in with it (not refused for the bcrypt hash it checked).
TEST_F(ImportedLoginTest, ConcurrentFirstLoginsBothSucceed) {
  const std::string id = addImported();
  refreshStore_.stillHasHash = [&](const tokens::RefreshRecord& r) {
    return users_.users.at(r.userId).passwordHash == r.passwordHash;
  };
  auto winner = hasher_->hash(kPassword);
  ASSERT_TRUE(winner.has_value());
  users_.beforeUpgrade = [&] { users_.users.at(id).passwordHash = *winner; };
  const auto in = service_.login({"old@example.com", std::string(kPassword)}, origin(kAddress));
  ASSERT_TRUE(in.has_value()) << codeName(in.error().code);
  EXPECT_EQ(users_.users.at(id).passwordHash, *winner);
  ASSERT_EQ(refreshStore_.rows.size(), 1u);
  EXPECT_EQ(refreshStore_.rows.begin()->second.passwordHash, *winner);
}

}  // namespace
}  // namespace authd::accounts
