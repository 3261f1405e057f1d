// The audit events of account changes: each in the right user's log with the
// right actor, and never a password, token or email in them.
#include "accounts/account_audit.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace authd::accounts {
namespace {

using nlohmann::json;

User ann() {
  User u;
  u.id = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
  u.email = "ann@example.com";
  u.passwordHash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";
  return u;
}

const events::Origin kFrom{"203.0.113.9", "curl/8.5"};

// Nothing in an account event names the email or the password hash.
void expectNoSecrets(const events::Event& e) {
  EXPECT_EQ(e.data.find("ann@example.com"), std::string::npos) << e.data;
  EXPECT_EQ(e.data.find("argon2"), std::string::npos) << e.data;
}

// Signup and login are by the user, about the user, in the user's log; login names its session.
TEST(AccountAuditTest, SignupAndLoginAreByTheUser) {
  const auto s = audit::signup(ann(), kFrom);
  EXPECT_EQ(s.type, "user.signup");
  EXPECT_EQ(s.userId, ann().id);
  EXPECT_EQ(s.actor.kind, events::ActorKind::kUser);
  EXPECT_EQ(s.actor.id, ann().id);
  EXPECT_EQ(s.targetType, "user");
  EXPECT_EQ(s.targetId, ann().id);
  EXPECT_EQ(s.origin.clientAddress, "203.0.113.9");
  EXPECT_EQ(s.origin.userAgent, "curl/8.5");
  expectNoSecrets(s);

  const auto l = audit::login(ann(), "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d", kFrom);
  EXPECT_EQ(l.type, "user.login");
  EXPECT_EQ(l.actor.id, ann().id);
  EXPECT_EQ(json::parse(l.data), (json{{"sessionId", "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"}}));
  expectNoSecrets(l);
}

// A failed login is by nobody known (a user actor without id), in the log of the account whose email was given,
// or in no account's log for an unknown email; it says why, not what was typed.
TEST(AccountAuditTest, LoginFailedIsByAnUnauthenticatedCaller) {
  const auto known = audit::loginFailed(ann().id, "invalid_credentials", kFrom);
  EXPECT_EQ(known.type, "user.login_failed");
  EXPECT_EQ(known.actor.kind, events::ActorKind::kUser);
  EXPECT_TRUE(known.actor.id.empty());
  EXPECT_EQ(known.userId, ann().id);
  EXPECT_EQ(known.targetId, ann().id);
  EXPECT_EQ(json::parse(known.data), (json{{"reason", "invalid_credentials"}}));

  const auto unknown = audit::loginFailed(std::nullopt, "invalid_credentials", kFrom);
  EXPECT_TRUE(unknown.userId.empty());
  EXPECT_TRUE(unknown.targetId.empty());
  EXPECT_EQ(unknown.origin.clientAddress, "203.0.113.9");
}

// Logout is by the user and names the session it ended (null when the token named none).
TEST(AccountAuditTest, LogoutNamesTheSession) {
  const auto ctx = events::Context::user(ann().id, kFrom);
  const auto e = audit::logout(ctx, "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d");
  EXPECT_EQ(e.type, "user.logout");
  EXPECT_EQ(e.userId, ann().id);
  EXPECT_EQ(e.actor.id, ann().id);
  EXPECT_EQ(json::parse(e.data), (json{{"sessionId", "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"}}));
  EXPECT_EQ(json::parse(audit::logout(ctx, "").data), (json{{"sessionId", nullptr}}));
}

// The operator's changes to a user: by the operator (no id, no origin), in the user's log, about the user.
TEST(AccountAuditTest, OperatorChangesAreByTheOperator) {
  const auto op = events::Context::operatorCli();
  const auto off = audit::activeChanged(op, ann().id, false);
  EXPECT_EQ(off.type, "user.deactivated");
  EXPECT_EQ(off.userId, ann().id);
  EXPECT_EQ(off.actor.kind, events::ActorKind::kOperator);
  EXPECT_TRUE(off.actor.id.empty());
  EXPECT_EQ(off.targetType, "user");
  EXPECT_EQ(off.targetId, ann().id);
  EXPECT_TRUE(off.origin.clientAddress.empty());
  EXPECT_EQ(audit::activeChanged(op, ann().id, true).type, "user.activated");

  const auto limited = audit::rateLimitChanged(op, ann().id, UserRateOverride{100, 60});
  EXPECT_EQ(limited.type, "user.rate_limit_changed");
  EXPECT_EQ(json::parse(limited.data), (json{{"rateLimit", {{"limit", 100}, {"windowSeconds", 60}}}}));
  const auto lifted = audit::rateLimitChanged(op, ann().id, std::nullopt);
  EXPECT_EQ(json::parse(lifted.data), (json{{"rateLimit", nullptr}}));
  expectNoSecrets(off);
  expectNoSecrets(limited);
}

}  // namespace
}  // namespace authd::accounts
