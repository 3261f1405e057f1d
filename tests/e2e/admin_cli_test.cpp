// `authd admin` end to end (SPEC.md "Identity", operator CLI): the binary run as an
// operator runs it, with the running stack's own settings (its stack.env) and a
// clean environment; what it changes is then what both authd instances answer,
// asked directly and through nginx, within 1 s; and the audit log holds each
// change with actor `operator`. Exit codes: 0 done, 1 not found, 2 bad usage,
// 3 database unavailable, 4 refused.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/cli_run.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/matchers.hpp"
#include "support/stack_queries.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// SPEC.md: a change from the CLI is in force on every instance within this.
constexpr auto kPropagation = 1s;

struct Ran : CliResult {
  json parsed() const { return json::parse(out, nullptr, false); }
};

// `authd admin <args>` with only PATH, the stack's settings file and `extra` (NAME=value words) in its environment.
Ran admin(const std::string& args, const std::string& extra = "") {
  return {runShell("env -i PATH=/usr/bin:/bin AUTHD_ENV_FILE=" + shellQuote(testEnv().stateDir + "/stack.env") + " " +
                       extra + " " + shellQuote(authdBinary()) + " admin " + args,
                   60)};
}

std::string said(const Ran& r) {
  return "exit " + std::to_string(r.exitCode) + "\nstdout: " + r.out + "\nstderr: " + r.err;
}

// The events of `type` on `targetId` written by the operator (actor operator, no id).
int operatorEvents(const std::string& type, const std::string& targetId) {
  // One parameter (execSql's): the type and the target together.
  return execSql(
      "SELECT 1 FROM events WHERE type || ' ' || target_id = $1 AND actor_type = 'operator' "
      "AND actor_id IS NULL",
      type + " " + targetId);
}

// Instance n, asked directly as nginx's auth_request asks (`ask(n)`), answers with `status` and `code` within 1 s of
// the CLI's change.
template <class Ask>
::testing::AssertionResult answersWithin(int n, Ask ask, int status, std::string_view code,
                                         std::chrono::steady_clock::time_point since) {
  std::optional<HttpResult> last;
  const bool seen = eventually(
      [&] {
        last = ask(n);
        return directIs(last, status, code);
      },
      kPropagation - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since),
      20ms);
  if (seen) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "instance " << n << " still answers " << describe(last) << " "
                                       << msSince(since) << " ms after the CLI's change";
}

::testing::AssertionResult keyAnswerWithin(int n, const std::string& key, int status, std::string_view code,
                                           std::chrono::steady_clock::time_point since) {
  return answersWithin(
      n, [&](int i) { return verifyKeyOn(i, key); }, status, code, since);
}

::testing::AssertionResult jwtAnswerWithin(int n, const std::string& token, int status, std::string_view code,
                                           std::chrono::steady_clock::time_point since) {
  return answersWithin(
      n, [&](int i) { return verifyJwtOn(i, token); }, status, code, since);
}

class AdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs::exists(authdBinary())) << authdBinary(); }
};

// ---- Usage ----------------------------------------------------------------------------------

// `--help` for the whole and for every command: exit 0, the command's own usage line, and no configuration needed.
TEST_F(AdminCliTest, HelpForEveryCommand) {
  const Ran all = admin("--help", "AUTHD_ENV_FILE=/nonexistent");
  EXPECT_EQ(all.exitCode, 0) << said(all);
  EXPECT_NE(all.out.find("usage: authd admin"), std::string::npos) << said(all);
  for (const std::string c : {"users list", "users show", "users deactivate", "users activate", "users set-rate-limit",
                              "keys show", "keys disable", "keys enable", "keys revoke"}) {
    const Ran r = admin(c + " --help", "AUTHD_ENV_FILE=/nonexistent");
    EXPECT_EQ(r.exitCode, 0) << c << ": " << said(r);
    EXPECT_NE(r.out.find("usage: authd admin " + c), std::string::npos) << c << ": " << said(r);
  }
}

// Bad usage is exit 2 with the usage on stderr, before any database is touched.
TEST_F(AdminCliTest, BadUsageIsExit2) {
  for (const std::string args :
       {"", "users", "groups list", "users frobnicate", "users show", "users show a@example.com b@example.com",
        "users list --limit 0", "users list --limit x", "users set-rate-limit a@example.com",
        "users set-rate-limit a@example.com -1", "users set-rate-limit a@example.com 10 --window 0",
        "users set-rate-limit a@example.com default --window 5", "keys show",
        "keys revoke --force 00000000-0000-0000-0000-000000000000", "users list --after"}) {
    const Ran r = admin(args);
    EXPECT_EQ(r.exitCode, 2) << "'" << args << "': " << said(r);
    EXPECT_NE(r.err.find("usage"), std::string::npos) << "'" << args << "': " << said(r);
    EXPECT_TRUE(r.out.empty()) << "'" << args << "': " << said(r);
  }
}

// No such user or key: exit 1, with --json an error object on stdout.
TEST_F(AdminCliTest, UnknownUserOrKeyIsExit1) {
  for (const std::string& args : std::vector<std::string>{
           "users show " + uniqueEmail("e2e-admin-nobody"), "users deactivate 00000000-0000-0000-0000-000000000000",
           "users show not-an-email", "keys show 00000000-0000-0000-0000-000000000000", "keys revoke not-a-uuid"}) {
    const Ran r = admin(args + " --json");
    EXPECT_EQ(r.exitCode, 1) << args << ": " << said(r);
    EXPECT_EQ(r.parsed().value("error", ""), "not_found") << args << ": " << said(r);
  }
}

// The database unavailable (a port nothing listens on): exit 3, saying so.
TEST_F(AdminCliTest, DatabaseUnavailableIsExit3) {
  const Ran r = admin("users list", "DB_PORT=1 DB_CONNECT_TIMEOUT_MS=1000");
  EXPECT_EQ(r.exitCode, 3) << said(r);
  EXPECT_NE(r.err.find("database unavailable"), std::string::npos) << said(r);
}

// ---- Users --------------------------------------------------------------------------------

// Deactivated from the CLI: both instances refuse the user's JWT and key within 1 s, and login is refused; the
// audit log has user.deactivated by the operator. Activated again: both accept them within 1 s. Doing either
// twice changes nothing (exit 0, changed false, no second event).
TEST_F(AdminCliTest, DeactivateAndActivateReachBothInstancesWithin1s) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.nginxPort, "e2e-admin-deact");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKnownKey(env.nginxPort, a);
  ASSERT_FALSE(k.key.empty());
  for (const int n : {1, 2}) {
    ASSERT_TRUE(directIs(verifyKeyOn(n, k.key), 200, "")) << n;
    ASSERT_TRUE(directIs(verifyJwtOn(n, a.accessToken), 200, "")) << n;
  }

  const Ran off = admin("users deactivate " + a.email + " --json");
  auto since = std::chrono::steady_clock::now();
  ASSERT_EQ(off.exitCode, 0) << said(off);
  EXPECT_EQ(off.parsed()["changed"], true) << said(off);
  EXPECT_EQ(off.parsed()["user"]["isActive"], false) << said(off);
  for (const int n : {1, 2}) {
    EXPECT_TRUE(keyAnswerWithin(n, k.key, 403, "user_inactive", since));
    EXPECT_TRUE(jwtAnswerWithin(n, a.accessToken, 403, "user_inactive", since));
  }
  EXPECT_TRUE(isError(login(env.nginxPort, a.email, kTestPassword), 403, "user_inactive"));
  EXPECT_TRUE(nginxIs(request(env.nginxPort, "GET", "/protected/service-only", apiKey(k.key)), 403, "user_inactive"));
  EXPECT_EQ(operatorEvents("user.deactivated", a.id), 1);

  const Ran again = admin("users deactivate " + a.id + " --json");
  EXPECT_EQ(again.exitCode, 0) << said(again);
  EXPECT_EQ(again.parsed()["changed"], false) << said(again);
  EXPECT_EQ(operatorEvents("user.deactivated", a.id), 1) << "nothing changed, nothing recorded";

  const Ran on = admin("users activate " + a.email);
  since = std::chrono::steady_clock::now();
  ASSERT_EQ(on.exitCode, 0) << said(on);
  EXPECT_NE(on.out.find("activated"), std::string::npos) << said(on);
  for (const int n : {1, 2}) {
    EXPECT_TRUE(keyAnswerWithin(n, k.key, 200, "", since));
    EXPECT_TRUE(jwtAnswerWithin(n, a.accessToken, 200, "", since));
  }
  const auto back = login(env.nginxPort, a.email, kTestPassword);
  EXPECT_TRUE(back && back->status == 200) << describe(back);
  EXPECT_EQ(operatorEvents("user.activated", a.id), 1);
}

// `users list` pages by email and `users show` tells the user's keys and sessions, never a hash or key.
TEST_F(AdminCliTest, ListAndShow) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.nginxPort, "e2e-admin-show");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKey(env.nginxPort, a, {{"name", "shown key"}});
  ASSERT_FALSE(k.key.empty());
  // A key `authd import-nestjs` listed for this user (as if they came from the original service).
  ASSERT_EQ(execSql("INSERT INTO nestjs_import_keys (id, user_id, name, is_active, created_at) "
                    "VALUES (gen_random_uuid(), $1::uuid, 'old service key', true, now())",
                    a.id),
            1);

  const Ran shown = admin("users show " + a.email + " --json");
  ASSERT_EQ(shown.exitCode, 0) << said(shown);
  const json u = shown.parsed();
  EXPECT_EQ(u.value("id", ""), a.id) << said(shown);
  EXPECT_EQ(u.value("email", ""), a.email);
  EXPECT_EQ(u.value("isActive", false), true);
  EXPECT_EQ(u.value("passwordScheme", ""), "argon2id");
  EXPECT_TRUE(u["rateLimit"].is_null());
  ASSERT_EQ(u["keys"].size(), 1u) << said(shown);
  EXPECT_EQ(u["keys"][0].value("id", ""), k.id);
  EXPECT_EQ(u["keys"][0].value("name", ""), "shown key");
  EXPECT_EQ(u["sessions"].size(), 1u) << "the signup's session";
  ASSERT_EQ(u["keysToReissue"].size(), 1u) << said(shown);
  EXPECT_EQ(u["keysToReissue"][0].value("name", ""), "old service key");
  EXPECT_NE(admin("users show " + a.email).out.find("to re-issue"), std::string::npos);
  EXPECT_EQ(shown.out.find(k.key), std::string::npos) << "the key itself is never shown";
  EXPECT_EQ(shown.out.find("$argon2"), std::string::npos) << "the hash is never shown";
  // Any letter case finds the user.
  std::string upper = a.email;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(admin("users show " + upper).exitCode, 0);

  // The user's own page of one starts just before them; `next` is where the next page starts.
  std::string before = a.email;
  before.back() = static_cast<char>(before.back() - 1);
  const Ran page = admin("users list --limit 1 --after " + before + " --json");
  ASSERT_EQ(page.exitCode, 0) << said(page);
  ASSERT_EQ(page.parsed()["users"].size(), 1u) << said(page);
  EXPECT_EQ(page.parsed()["users"][0].value("email", ""), a.email) << said(page);
  EXPECT_EQ(page.parsed()["users"][0].value("liveKeys", -1), 1) << said(page);
  EXPECT_EQ(page.parsed()["next"], a.email) << said(page);
  const Ran text = admin("users list --limit 5");
  EXPECT_EQ(text.exitCode, 0) << said(text);
  EXPECT_NE(text.out.find("EMAIL"), std::string::npos) << said(text);
}

// A per-user limit set from the CLI holds on both instances within 1 s, over two keys together; `default` lifts
// it again. user.rate_limit_changed by the operator each time.
TEST_F(AdminCliTest, SetRateLimitHoldsOnBothInstances) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.nginxPort, "e2e-admin-limit");
  ASSERT_FALSE(a.id.empty());
  const Key k1 = createKnownKey(env.nginxPort, a, {{"name", "one"}});
  const Key k2 = createKnownKey(env.nginxPort, a, {{"name", "two"}});
  ASSERT_FALSE(k1.key.empty());
  ASSERT_FALSE(k2.key.empty());

  const Ran set = admin("users set-rate-limit " + a.email + " 3 --window 60 --json");
  ASSERT_EQ(set.exitCode, 0) << said(set);
  EXPECT_EQ(set.parsed()["user"]["rateLimit"], json({{"limit", 3}, {"windowSeconds", 60}})) << said(set);
  EXPECT_EQ(operatorEvents("user.rate_limit_changed", a.id), 1);
  // Within 1 s both instances know the user's limit (RateLimit-Limit 3 on a valid answer).
  for (const int n : {1, 2}) {
    const auto since = std::chrono::steady_clock::now();
    std::optional<HttpResult> last;
    EXPECT_TRUE(eventually(
        [&] {
          last = verifyOn(n, "?mode=apikey", apiKey(n == 1 ? k1.key : k2.key));
          return last && (last->header("RateLimit-Limit") == "3" || last->header("X-Auth-Error") == "rate_limited");
        },
        kPropagation, 20ms))
        << "instance " << n << ": " << describe(last) << " after " << msSince(since) << " ms";
  }
  // Whatever remains of the 3, across both keys and both instances, and then rate_limited; through nginx a 429.
  int ok = 0, limited = 0;
  std::string seen;
  for (int i = 0; i < 6; ++i) {
    const auto r = verifyOn(1 + i % 2, "?mode=apikey", apiKey(i % 2 ? k2.key : k1.key));
    ASSERT_TRUE(r) << i;
    seen += std::to_string(r->status) + " " + r->header("X-Auth-Error") + "; ";
    if (r->status == 200) ++ok;
    // /verify says 403 rate_limited; nginx turns it into the client's 429.
    else if (r->status == 403 && r->header("X-Auth-Error") == "rate_limited") ++limited;
  }
  EXPECT_LE(ok, 1) << "two of the 3 went to the probes above: " << seen;
  EXPECT_GE(limited, 5) << seen;
  EXPECT_TRUE(nginxIs(request(env.nginxPort, "GET", "/protected/service-only", apiKey(k1.key)), 429, "rate_limited"));

  const Ran lifted = admin("users set-rate-limit " + a.id + " default --json");
  ASSERT_EQ(lifted.exitCode, 0) << said(lifted);
  EXPECT_TRUE(lifted.parsed()["user"]["rateLimit"].is_null()) << said(lifted);
  EXPECT_EQ(operatorEvents("user.rate_limit_changed", a.id), 2);
  const auto since = std::chrono::steady_clock::now();
  for (const int n : {1, 2}) EXPECT_TRUE(keyAnswerWithin(n, n == 1 ? k1.key : k2.key, 200, "", since));
  const Ran same = admin("users set-rate-limit " + a.id + " default --json");
  EXPECT_EQ(same.parsed()["changed"], false) << said(same);
  EXPECT_EQ(operatorEvents("user.rate_limit_changed", a.id), 2);
}

// ---- Keys ---------------------------------------------------------------------------------

// Disabled from the CLI: both instances answer key_disabled within 1 s; the owner can neither enable nor rotate
// it (409); `keys enable` brings it back on both within 1 s; `keys revoke` ends it (key_revoked) for good. Each
// change is in the owner's audit log, by the operator.
TEST_F(AdminCliTest, KeyDisableEnableRevokeReachBothInstancesWithin1s) {
  const TestEnv& env = testEnv();
  const Account a = signup(env.nginxPort, "e2e-admin-key");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKnownKey(env.nginxPort, a, {{"name", "operated"}});
  ASSERT_FALSE(k.key.empty());
  for (const int n : {1, 2}) ASSERT_TRUE(directIs(verifyKeyOn(n, k.key), 200, "")) << n;

  const Ran shown = admin("keys show " + k.id + " --json");
  ASSERT_EQ(shown.exitCode, 0) << said(shown);
  EXPECT_EQ(shown.parsed().value("ownerEmail", ""), a.email) << said(shown);
  EXPECT_EQ(shown.parsed().value("name", ""), "operated") << said(shown);
  EXPECT_EQ(shown.out.find(k.key), std::string::npos);

  const Ran off = admin("keys disable " + k.id + " --json");
  auto since = std::chrono::steady_clock::now();
  ASSERT_EQ(off.exitCode, 0) << said(off);
  EXPECT_EQ(off.parsed()["changed"], true) << said(off);
  EXPECT_EQ(off.parsed()["key"]["disabledReason"], "operator") << said(off);
  for (const int n : {1, 2}) EXPECT_TRUE(keyAnswerWithin(n, k.key, 401, "key_disabled", since));
  EXPECT_TRUE(nginxIs(request(env.nginxPort, "GET", "/protected/service-only", apiKey(k.key)), 401, "key_disabled"));
  EXPECT_EQ(execSql("SELECT 1 FROM events WHERE type = 'key.disabled' AND actor_type = 'operator' AND target_id = $1 "
                    "AND data->>'reason' = 'operator'",
                    k.id),
            1);
  // The owner sees why, and can neither undo it nor rotate around it.
  const auto got = getKey(a, k.id);
  ASSERT_TRUE(got && got->status == 200) << describe(got);
  EXPECT_EQ(got->json()["disabledReason"], "operator");
  EXPECT_TRUE(isError(patchKey(a, k.id, {{"enabled", true}}), 409, "conflict"));
  EXPECT_TRUE(isError(rotateKey(a, k.id, json::object()), 409, "conflict"));
  // Nor by reporting it leaked: the answer is the usual 202, the reason stays the operator's.
  const auto reported = reportLeak(uniqueLoopbackAddress(), k.key);
  EXPECT_TRUE(reported && reported->status == 202) << describe(reported);
  EXPECT_EQ(getKey(a, k.id)->json()["disabledReason"], "operator");
  EXPECT_TRUE(isError(patchKey(a, k.id, {{"enabled", true}}), 409, "conflict"));
  EXPECT_EQ(admin("keys disable " + k.id + " --json").parsed()["changed"], false);

  const Ran on = admin("keys enable " + k.id);
  since = std::chrono::steady_clock::now();
  ASSERT_EQ(on.exitCode, 0) << said(on);
  for (const int n : {1, 2}) EXPECT_TRUE(keyAnswerWithin(n, k.key, 200, "", since));
  EXPECT_EQ(operatorEvents("key.enabled", k.id), 1);

  const Ran revoked = admin("keys revoke " + k.id + " --json");
  since = std::chrono::steady_clock::now();
  ASSERT_EQ(revoked.exitCode, 0) << said(revoked);
  EXPECT_EQ(revoked.parsed()["key"]["isActive"], false) << said(revoked);
  for (const int n : {1, 2}) EXPECT_TRUE(keyAnswerWithin(n, k.key, 401, "key_revoked", since));
  EXPECT_EQ(operatorEvents("key.revoked", k.id), 1);
  const Ran twice = admin("keys revoke " + k.id + " --json");
  EXPECT_EQ(twice.exitCode, 0) << said(twice);
  EXPECT_EQ(twice.parsed()["changed"], false) << said(twice);
  // A revoked key cannot be disabled or enabled: exit 4, refused.
  EXPECT_EQ(admin("keys disable " + k.id).exitCode, 4);
  EXPECT_EQ(operatorEvents("key.revoked", k.id), 1);
}

}  // namespace
}  // namespace authd::testing
