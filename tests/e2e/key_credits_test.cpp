// Credits as a property of a key, through nginx against the whole stack: a
// grant on create and PATCH is in every key answer (create, GET, list), null
// makes a key unlimited, rotation hands the credits on, bad credits are 400,
// and balances that /verify's admission left in Redis come back through the
// running authd's flush-back (within LAST_USED_FLUSH_MS): GET shows them, and
// an older grant's balance never overwrites a newer grant. Each test signs up
// its own user.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "keys/credits.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Comfortably past the test stack's LAST_USED_FLUSH_MS (1 s) and a flush.
constexpr auto kFlushed = 10s;

json bodyOf(const std::optional<HttpResult>& r, int status, std::string_view what) {
  EXPECT_TRUE(r && r->status == status) << what << ": " << describe(r);
  if (!r || r->status != status) return json(json::value_t::discarded);
  return r->json();
}

json creditsOf(const Account& a, const std::string& id) {
  return bodyOf(getKey(a, id), 200, "GET the key").value("credits", json(json::value_t::discarded));
}

const json kMonthly{{"remaining", 250}, {"refill", {{"amount", 1000}, {"interval", "month"}}}};

// Credits given at create are in the 201, in GET /keys/:id and in GET /keys, as {remaining, refill}.
TEST(E2eKeyCreditsTest, CreateWithCreditsShowsThemEverywhere) {
  const Account a = signup(testEnv().nginxPort, "e2e-credits-create");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKey(testEnv().nginxPort, a, {{"name", "metered"}, {"credits", kMonthly}});
  ASSERT_FALSE(k.id.empty());
  EXPECT_EQ(k.created["credits"], kMonthly) << k.created;
  EXPECT_EQ(creditsOf(a, k.id), kMonthly);
  const json listed = listKeys(a);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << listed;
  EXPECT_EQ(listed[0]["credits"], kMonthly);
  EXPECT_TRUE(isKeyObject(listed[0]));

  const Key plain = createKey(testEnv().nginxPort, a, {{"name", "plain"}, {"credits", {{"remaining", 0}}}});
  EXPECT_EQ(plain.created["credits"], (json{{"remaining", 0}, {"refill", nullptr}})) << plain.created;
  const Key unlimited = createKey(testEnv().nginxPort, a, {{"name", "free"}, {"credits", nullptr}});
  EXPECT_TRUE(unlimited.created["credits"].is_null()) << unlimited.created;
}

// PATCH grants new credits (in its answer and in GET), a PATCH of something else keeps them, and credits: null
// makes the key unlimited again.
TEST(E2eKeyCreditsTest, PatchGrantsAndNullMakesUnlimited) {
  const Account a = signup(testEnv().nginxPort, "e2e-credits-patch");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKey(testEnv().nginxPort, a, {{"name", "metered"}});
  ASSERT_FALSE(k.id.empty());
  EXPECT_TRUE(k.created["credits"].is_null());
  const json daily{{"remaining", 5}, {"refill", {{"amount", 20}, {"interval", "day"}}}};
  EXPECT_EQ(bodyOf(patchKey(a, k.id, {{"credits", daily}}), 200, "PATCH credits")["credits"], daily);
  EXPECT_EQ(creditsOf(a, k.id), daily);
  EXPECT_EQ(bodyOf(patchKey(a, k.id, {{"name", "renamed"}}), 200, "PATCH name")["credits"], daily);
  const json answer = bodyOf(patchKey(a, k.id, {{"credits", nullptr}}), 200, "PATCH credits null");
  EXPECT_TRUE(answer.contains("credits") && answer["credits"].is_null()) << answer;
  EXPECT_TRUE(creditsOf(a, k.id).is_null());
}

// The successor of a rotation has the old key's credit settings and remaining; the old key keeps its own.
TEST(E2eKeyCreditsTest, RotationCopiesTheCredits) {
  const Account a = signup(testEnv().nginxPort, "e2e-credits-rotate");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKey(testEnv().nginxPort, a, {{"name", "metered"}, {"credits", kMonthly}});
  ASSERT_FALSE(k.id.empty());
  const json fresh = bodyOf(rotateKey(a, k.id, {{"gracePeriodSeconds", 60}}), 201, "rotate");
  EXPECT_EQ(fresh["credits"], kMonthly) << fresh;
  EXPECT_EQ(creditsOf(a, fresh.value("id", "")), kMonthly);
  EXPECT_EQ(creditsOf(a, k.id), kMonthly);
}

// Bad credits on create are 400 validation_failed naming the field, and no key is created.
TEST(E2eKeyCreditsTest, BadCreditsOnCreateAre400) {
  const Account a = signup(testEnv().nginxPort, "e2e-credits-bad");
  ASSERT_FALSE(a.id.empty());
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"name":"x","credits":"lots"})", "credits"},
      {R"({"name":"x","credits":{"remaining":-5}})", "credits.remaining"},
      {R"({"name":"x","credits":{"remaining":1e3}})", "credits.remaining"},
      {R"({"name":"x","credits":{"refill":{"amount":5,"interval":"day"}}})", "credits.remaining"},
      {R"({"name":"x","credits":{"remaining":5,"refill":{"amount":-1,"interval":"day"}}})", "credits.refill.amount"},
      {R"({"name":"x","credits":{"remaining":5,"refill":{"amount":5,"interval":"year"}}})", "credits.refill.interval"},
      {R"({"name":"x","credits":{"remaining":5,"extra":true}})", "credits.extra"},
  };
  for (const auto& [body, field] : cases) {
    Headers h = bearer(a.accessToken);
    h.emplace_back("Content-Type", "application/json");
    const auto r = request(testEnv().nginxPort, "POST", "/keys", h, body);
    EXPECT_TRUE(isValidationError(r, field)) << body;
  }
  const json listed = listKeys(a);
  EXPECT_TRUE(listed.is_array() && listed.empty()) << listed;
}

// A balance that /verify's admission left in Redis reaches PostgreSQL through the running authd's flush-back and
// shows in GET; after a new grant, a balance of the old grant is flushed away without overwriting it.
TEST(E2eKeyCreditsTest, FlushedBackBalanceShowsInGetAndNeverOverwritesANewGrant) {
  const Account a = signup(testEnv().nginxPort, "e2e-credits-flush");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKey(testEnv().nginxPort, a, {{"name", "metered"}, {"credits", {{"remaining", 10}}}});
  ASSERT_FALSE(k.id.empty());
  auto pg = makeTestPgPool(1);
  auto redis = makeTestRedisPool(1);
  const auto first = storedCredits(*pg, k.id);
  ASSERT_TRUE(first && first->version > 0);
  const int64_t nowMs = toUnixMillis(std::chrono::system_clock::now());
  ASSERT_TRUE(writeCreditBalance(*redis, k.id, first->version, 3, 0, nowMs));
  EXPECT_TRUE(eventually(
      [&] {
        return creditsOf(a, k.id) == json{{"remaining", 3}, {"refill", nullptr}};
      },
      kFlushed, 50ms))
      << "GET still shows " << creditsOf(a, k.id);
  EXPECT_FALSE(creditsDirty(*redis, k.id));

  ASSERT_TRUE(bodyOf(patchKey(a, k.id, {{"credits", {{"remaining", 40}}}}), 200, "PATCH").is_object());
  const auto second = storedCredits(*pg, k.id);
  ASSERT_TRUE(second && second->version > first->version);
  ASSERT_TRUE(writeCreditBalance(*redis, k.id, first->version, 1, 0, nowMs + 1));  // the old grant's
  EXPECT_TRUE(eventually([&] { return !creditsDirty(*redis, k.id); }, kFlushed, 50ms)) << "never flushed";
  EXPECT_EQ(creditsOf(a, k.id), (json{{"remaining", 40}, {"refill", nullptr}}));
  EXPECT_EQ(storedCredits(*pg, k.id)->remaining, 40);
  if (auto lease = redis->acquire()) (void)lease->command({"DEL", "authd:cr:" + k.id});
}

}  // namespace
}  // namespace authd::testing
