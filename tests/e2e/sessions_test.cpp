// Sessions and passwords end to end (SPEC.md "Identity"): HTTP through nginx,
// both authd instances asked directly for what they refuse, the operator's
// webhook receiver (scripts/webhook-receiver.mjs, which checks every delivery
// with npm `standardwebhooks`) for the reset token, and PostgreSQL for what was
// stored. Every test uses fresh email addresses, so reruns never collide.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kPassword = "e2e-sessions-123";

uint16_t front() { return testEnv().nginxPort; }

// POST /auth/login through nginx with this User-Agent; the account on 200 (empty tokens otherwise).
Account loginAs(const std::string& email, std::string_view password, const std::string& userAgent) {
  const auto r =
      request(front(), "POST", "/auth/login", {{"Content-Type", "application/json"}, {"User-Agent", userAgent}},
              json{{"email", email}, {"password", password}}.dump());
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  return r && r->status == 200 ? accountFrom(*r, email) : Account{email, "", "", ""};
}

std::optional<HttpResult> call(std::string_view method, const std::string& target, const std::string& token,
                               const json& body = nullptr) {
  Headers h = bearer(token);
  if (body.is_null()) return request(front(), method, target, h);
  h.emplace_back("Content-Type", "application/json");
  return request(front(), method, target, h, body.dump());
}

json sessionsOf(const Account& a) {
  const auto r = call("GET", "/auth/sessions", a.accessToken);
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  return r && r->status == 200 ? r->json() : json::array();
}

// The id of the listed session with this User-Agent ("" when none).
std::string sessionWithAgent(const json& list, std::string_view userAgent) {
  for (const auto& s : list) {
    if (s["userAgent"].is_string() && s["userAgent"] == userAgent) return s.value("id", "");
  }
  return "";
}

// Both authd instances refuse the access token (401 on GET /auth/me) within 1 s.
::testing::AssertionResult refusedEverywhereWithin1s(const std::string& token) {
  const auto start = std::chrono::steady_clock::now();
  const bool refused = eventually(
      [&] {
        const auto a = me(testEnv().authdPort(1), token);
        const auto b = me(testEnv().authdPort(2), token);
        return a && a->status == 401 && b && b->status == 401;
      },
      1s, 20ms);
  if (!refused) return ::testing::AssertionFailure() << "the token still works somewhere after 1 s";
  return ::testing::AssertionSuccess() << "refused after " << msSince(start) << " ms";
}

bool worksOnBoth(const std::string& token) {
  const auto a = me(testEnv().authdPort(1), token);
  const auto b = me(testEnv().authdPort(2), token);
  return a && a->status == 200 && b && b->status == 200;
}

int statusOf(const std::optional<HttpResult>& r) { return r ? r->status : 0; }
std::string codeOf(const std::optional<HttpResult>& r) { return r ? r->json().value("code", "") : ""; }

// Two logins with different User-Agents are listed with their agents and the current flag; one revoked from the
// other is refused on both instances within 1 s (its access token and its refresh token), 404 the second time and
// for another user, 400 for a malformed id; logout-all then ends the rest.
TEST(Sessions, ListRevokeOneAndLogoutAll) {
  const Account first = signup(front(), "e2e-sessions", kPassword);
  ASSERT_FALSE(first.accessToken.empty());
  const Account a = loginAs(first.email, kPassword, "e2e-agent-A/1");
  const Account b = loginAs(first.email, kPassword, "e2e-agent-B/1");
  ASSERT_FALSE(a.accessToken.empty());
  ASSERT_FALSE(b.accessToken.empty());

  const json list = sessionsOf(a);
  ASSERT_EQ(list.size(), 3u) << list;  // the signup's session and the two logins
  const std::string sa = sessionWithAgent(list, "e2e-agent-A/1"), sb = sessionWithAgent(list, "e2e-agent-B/1");
  ASSERT_TRUE(crypto::isUuid(sa) && crypto::isUuid(sb)) << list;
  for (const auto& s : list) {
    EXPECT_EQ(s.value("current", false), s.value("id", "") == sa) << s;
    EXPECT_TRUE(s["createdAt"].is_string() && s["lastRefreshedAt"].is_string()) << s;
    EXPECT_TRUE(s["ip"].is_string()) << s;
  }
  // B's list marks B.
  EXPECT_EQ(sessionWithAgent(sessionsOf(b), "e2e-agent-B/1"), sb);
  for (const auto& s : sessionsOf(b)) EXPECT_EQ(s.value("current", false), s.value("id", "") == sb) << s;

  ASSERT_TRUE(worksOnBoth(b.accessToken));
  const auto revoked = call("DELETE", "/auth/sessions/" + sb, a.accessToken);
  ASSERT_EQ(statusOf(revoked), 200) << describe(revoked);
  EXPECT_TRUE(refusedEverywhereWithin1s(b.accessToken));
  EXPECT_EQ(statusOf(refresh(front(), b.refreshToken)), 401);
  EXPECT_TRUE(worksOnBoth(a.accessToken));
  EXPECT_EQ(sessionWithAgent(sessionsOf(a), "e2e-agent-B/1"), "");

  const auto again = call("DELETE", "/auth/sessions/" + sb, a.accessToken);
  EXPECT_EQ(statusOf(again), 404) << describe(again);
  EXPECT_EQ(codeOf(again), "not_found");
  const Account other = signup(front(), "e2e-sessions-other", kPassword);
  const std::string othersSession = sessionsOf(other).at(0).value("id", "");
  const auto foreign = call("DELETE", "/auth/sessions/" + othersSession, a.accessToken);
  EXPECT_EQ(statusOf(foreign), 404) << describe(foreign);
  EXPECT_TRUE(worksOnBoth(other.accessToken)) << "another user's session was ended";
  const auto malformed = call("DELETE", "/auth/sessions/not-a-uuid", a.accessToken);
  EXPECT_EQ(statusOf(malformed), 400) << describe(malformed);
  EXPECT_EQ(codeOf(malformed), "invalid_id");

  const auto all = call("POST", "/auth/logout-all", a.accessToken);
  ASSERT_EQ(statusOf(all), 200) << describe(all);
  EXPECT_EQ(all->json().value("revoked", -1), 2) << all->body;  // the signup's and A's
  EXPECT_TRUE(refusedEverywhereWithin1s(a.accessToken));
  EXPECT_TRUE(refusedEverywhereWithin1s(first.accessToken));
  EXPECT_EQ(statusOf(refresh(front(), first.refreshToken)), 401);
  EXPECT_EQ(statusOf(refresh(front(), a.refreshToken)), 401);
}

// A wrong current password is a login's 401; the right one changes the password, keeps the caller's session and
// ends the other (its tokens refused on both instances within 1 s); the new password logs in, the old does not.
TEST(Sessions, ChangePasswordEndsOtherSessions) {
  const Account other = signup(front(), "e2e-password", kPassword);
  ASSERT_FALSE(other.accessToken.empty());
  const Account mine = loginAs(other.email, kPassword, "e2e-changer/1");
  const std::string newPassword = "e2e-changed-456";

  const auto wrong = call("POST", "/auth/password", mine.accessToken,
                          {{"currentPassword", "not-my-password"}, {"newPassword", newPassword}});
  EXPECT_EQ(statusOf(wrong), 401) << describe(wrong);
  EXPECT_EQ(codeOf(wrong), "invalid_credentials");
  const auto weak =
      call("POST", "/auth/password", mine.accessToken, {{"currentPassword", kPassword}, {"newPassword", "short"}});
  EXPECT_EQ(statusOf(weak), 400) << describe(weak);
  EXPECT_TRUE(worksOnBoth(other.accessToken));

  const auto changed =
      call("POST", "/auth/password", mine.accessToken, {{"currentPassword", kPassword}, {"newPassword", newPassword}});
  ASSERT_EQ(statusOf(changed), 200) << describe(changed);
  EXPECT_TRUE(refusedEverywhereWithin1s(other.accessToken));
  EXPECT_EQ(statusOf(refresh(front(), other.refreshToken)), 401);
  EXPECT_TRUE(worksOnBoth(mine.accessToken)) << "the caller's own session was ended";
  EXPECT_EQ(statusOf(login(front(), other.email, kPassword)), 401);
  EXPECT_EQ(statusOf(login(front(), other.email, newPassword)), 200);
}

// The reset token of the operator's webhook for `userId` (verified by the receiver), "" until it arrives.
std::string resetTokenFromOperator(const std::string& userId) {
  for (const auto& e : receiverRecords("operator")) {
    const json body = json::parse(e.value("body", ""), nullptr, false);
    if (!body.is_object() || body.value("type", "") != "user.password_reset_requested") continue;
    if (body["data"]["target"].value("id", "") != userId) continue;
    EXPECT_TRUE(e.value("verified", false)) << "standardwebhooks refused the delivery: " << e.dump();
    const json& token = body["data"]["data"]["token"];
    if (token.is_string()) return token.get<std::string>();
  }
  return "";
}

// Reset without email: 202 for a real and an unknown address alike; the token arrives only at the operator's
// webhook, verified by standardwebhooks; PostgreSQL holds its hash and a sealed copy, never the token; GET /audit
// shows the event without it; the token works once (then 400 invalid_reset_token) and ends every session.
TEST(Sessions, PasswordResetThroughTheOperatorWebhook) {
  ASSERT_NE(testEnv().receiverPort, 0) << "the stack runs no webhook receiver";
  const Account a = signup(front(), "e2e-reset", kPassword);
  ASSERT_FALSE(a.accessToken.empty());
  const auto real = postJson(front(), "/auth/password-reset/request", {{"email", a.email}});
  EXPECT_EQ(statusOf(real), 202) << describe(real);
  const auto unknown = postJson(front(), "/auth/password-reset/request", {{"email", uniqueEmail("e2e-nobody")}});
  EXPECT_EQ(statusOf(unknown), 202) << describe(unknown);
  EXPECT_EQ(real->body, unknown->body);

  std::string token;
  ASSERT_TRUE(eventually(
      [&] {
        token = resetTokenFromOperator(a.id);
        return !token.empty();
      },
      30s, 250ms))
      << "the operator's webhook never got the reset token";
  EXPECT_TRUE(token.starts_with("rst_") && token.size() == 47) << token;

  EXPECT_EQ(execSql("SELECT 1 FROM events WHERE strpos(data::text, $1) > 0 OR strpos(coalesce(user_agent, ''), $1) > 0",
                    token),
            0)
      << "the events table holds the reset token in clear";
  EXPECT_EQ(execSql("SELECT 1 FROM events WHERE type = 'user.password_reset_requested' AND user_id = $1::uuid "
                    "AND data ? 'sealedToken'",
                    a.id),
            1);
  EXPECT_EQ(execSql("SELECT 1 FROM password_resets WHERE token_hash = $1", crypto::sha256Hex(token)), 1);
  EXPECT_EQ(execSql("SELECT 1 FROM password_resets WHERE token_hash = $1", token), 0);

  const auto audit = call("GET", "/audit", a.accessToken);
  ASSERT_EQ(statusOf(audit), 200) << describe(audit);
  bool listed = false;
  const json log = audit->json();
  for (const auto& e : log["events"]) {
    if (e.value("type", "") != "user.password_reset_requested") continue;
    listed = true;
    EXPECT_EQ(e["data"], json::object()) << e;
  }
  EXPECT_TRUE(listed) << audit->body;
  EXPECT_EQ(audit->body.find(token), std::string::npos);
  EXPECT_EQ(audit->body.find("sealedToken"), std::string::npos);

  const std::string newPassword = "e2e-reset-789";
  const auto confirmed =
      postJson(front(), "/auth/password-reset/confirm", {{"token", token}, {"newPassword", newPassword}});
  ASSERT_EQ(statusOf(confirmed), 200) << describe(confirmed);
  EXPECT_TRUE(refusedEverywhereWithin1s(a.accessToken));
  EXPECT_EQ(statusOf(refresh(front(), a.refreshToken)), 401);
  EXPECT_EQ(statusOf(login(front(), a.email, kPassword)), 401);
  EXPECT_EQ(statusOf(login(front(), a.email, newPassword)), 200);

  const auto reused =
      postJson(front(), "/auth/password-reset/confirm", {{"token", token}, {"newPassword", "e2e-again-000"}});
  EXPECT_EQ(statusOf(reused), 400) << describe(reused);
  EXPECT_EQ(codeOf(reused), "invalid_reset_token");
  EXPECT_EQ(statusOf(login(front(), a.email, newPassword)), 200);
}

}  // namespace
}  // namespace authd::testing
