// Webhooks as a receiver sees them, through nginx against the whole stack (two
// authd instances): every delivery is checked by scripts/webhook-receiver.mjs
// with the Standard Webhooks specification's own library (npm
// `standardwebhooks`), never with authd's code. Each event type reaches a user's
// endpoint once and the operator's endpoint (WEBHOOK_URL) too; a 500 is retried;
// two instances deliver each event once; an attempt in flight when authd is
// killed with -9 is delivered after the restart. The audit log of the key
// lifecycle routes names the right actor, address and user agent.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/time_format.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Past the first retry's backoff (5 s ± 20%), a poll and a flush.
constexpr auto kArrival = 20s;

uint16_t receiver() { return testEnv().receiverPort; }

// "e2e-<suffix>-<random>": an endpoint name of the receiver no other test uses.
std::string uniqueEndpoint(std::string_view suffix) {
  std::string email = uniqueEmail(suffix);
  return std::string(suffix) + "-" + email.substr(email.find('-') + 1, 12);
}

std::string endpointUrl(const std::string& name) {
  return "http://127.0.0.1:" + std::to_string(receiver()) + "/hook/" + name;
}

// Tells the receiver the endpoint's secret and how to answer its next deliveries.
bool setUpEndpoint(const std::string& name, const std::string& secret, json how = json::object()) {
  how["secret"] = secret;
  const auto r = request(receiver(), "PUT", "/_control/" + name, {{"Content-Type", "application/json"}}, how.dump());
  return r && r->status == 200;
}

// The webhook ids received at the endpoint for events of `type`.
std::vector<std::string> idsOfType(const json& received, std::string_view type) {
  std::vector<std::string> ids;
  for (const auto& e : received) {
    if (e.value("type", "") == type) ids.push_back(e.value("webhookId", ""));
  }
  return ids;
}

struct Webhook {
  std::string id;
  std::string secret;
  std::string endpoint;  // the receiver's name for it
};

std::optional<HttpResult> createWebhook(const Account& a, const json& body) {
  return postJson(testEnv().nginxPort, "/webhooks", body, bearer(a.accessToken));
}

// Registers a receiver endpoint for the account (`types`: every event type when empty) and tells the receiver
// its secret. An endpoint for every type gets its own webhook.created too.
Webhook registerEndpoint(const Account& a, std::string_view suffix, json how = json::object(),
                         const std::vector<std::string>& types = {}) {
  Webhook w;
  w.endpoint = uniqueEndpoint(suffix);
  json request = {{"url", endpointUrl(w.endpoint)}};
  if (!types.empty()) request["events"] = types;
  const auto r = createWebhook(a, request);
  EXPECT_TRUE(r && r->status == 201) << describe(r);
  if (!r || r->status != 201) return w;
  const json body = r->json();
  w.id = body.value("id", "");
  w.secret = body.value("secret", "");
  EXPECT_TRUE(w.secret.starts_with("whsec_")) << body;
  EXPECT_TRUE(setUpEndpoint(w.endpoint, w.secret, std::move(how)));
  return w;
}

std::optional<HttpResult> send(const Account& a, std::string_view method, const std::string& target,
                               const json& body = nullptr, Headers extra = {}) {
  Headers h = bearer(a.accessToken);
  h.insert(h.end(), extra.begin(), extra.end());
  if (body.is_null()) return request(testEnv().nginxPort, method, target, h);
  h.emplace_back("Content-Type", "application/json");
  return request(testEnv().nginxPort, method, target, h, body.dump());
}

std::optional<HttpResult> verifyThroughNginx(const std::string& key) {
  return get(testEnv().nginxPort, "/protected/service-only", apiKey(key));
}

// Each type in `types` arrived exactly once at the endpoint, every delivery verified by standardwebhooks.
::testing::AssertionResult eachOnceAndVerified(const json& received, const std::vector<std::string>& types) {
  std::map<std::string, int> perId;
  for (const auto& e : received) {
    if (!e.value("verified", false)) {
      return ::testing::AssertionFailure() << "a delivery failed standardwebhooks' check: " << e.dump();
    }
    ++perId[e.value("webhookId", "")];
  }
  for (const auto& [id, n] : perId) {
    if (n != 1) return ::testing::AssertionFailure() << "webhook-id " << id << " arrived " << n << " times";
  }
  for (const auto& t : types) {
    const size_t n = idsOfType(received, t).size();
    if (n != 1) return ::testing::AssertionFailure() << t << " arrived " << n << " times";
  }
  return ::testing::AssertionSuccess();
}

std::string inHours(int hours) { return formatIso8601(std::chrono::system_clock::now() + std::chrono::hours(hours)); }

// Every event type authd writes today (SPEC.md's list but user.password_changed,
// user.password_reset_requested and session.revoked, whose routes come with the identity issue)
// reaches the user's endpoint exactly once, signed so that standardwebhooks accepts it, and the
// operator's endpoint receives the same events plus the signup, which came before the user's endpoint.
TEST(E2eWebhooksTest, EveryEventTypeArrivesOnceAtTheUsersAndTheOperatorsEndpoint) {
  ASSERT_NE(receiver(), 0) << "the test stack runs no webhook receiver (RECEIVER_PORT)";
  const Account a = signup(testEnv().nginxPort, "e2e-hooks-all");
  ASSERT_FALSE(a.id.empty());
  const Webhook w = registerEndpoint(a, "all");
  ASSERT_FALSE(w.id.empty());

  // The account's events.
  ASSERT_EQ(login(testEnv().nginxPort, a.email, kTestPassword)->status, 200);
  ASSERT_EQ(login(testEnv().nginxPort, a.email, "wrong-password-123")->status, 401);
  // The key's events.
  const Key k = createKnownKey(testEnv().nginxPort, a, {{"name", "hooked"}});
  ASSERT_FALSE(k.id.empty());
  ASSERT_EQ(patchKey(a, k.id, {{"name", "renamed"}})->status, 200);
  ASSERT_EQ(patchKey(a, k.id, {{"enabled", false}})->status, 200);
  ASSERT_EQ(patchKey(a, k.id, {{"enabled", true}})->status, 200);
  // A 30-day grace: the old key gets no expiry notice during the test (a grace within 7 days would).
  const auto rotated = rotateKey(a, k.id, {{"gracePeriodSeconds", 2592000}});
  ASSERT_TRUE(rotated && rotated->status == 201) << describe(rotated);
  const std::string successor = rotated->json().value("id", "");
  ASSERT_EQ(send(a, "DELETE", "/keys/" + successor)->status, 200);
  const Key leaked = createKnownKey(testEnv().nginxPort, a, {{"name", "leaked"}});
  ASSERT_EQ(reportLeak(uniqueLoopbackAddress(), leaked.key)->status, 202);
  // Credits: one, spent, then refused; the flush-back stores 0 and writes key.credits_exhausted.
  const Key metered = createKnownKey(testEnv().nginxPort, a, {{"name", "metered"}, {"credits", {{"remaining", 1}}}});
  ASSERT_EQ(verifyThroughNginx(metered.key)->status, 200);
  ASSERT_EQ(verifyThroughNginx(metered.key)->status, 429);
  // Expiry: within a day (key.expiring) and in seconds (key.expired; key.expiring too when a scan
  // saw it before it expired).
  createKey(testEnv().nginxPort, a, {{"name", "soon"}, {"expiresAt", inHours(12)}});
  const auto inSeconds = formatIso8601(std::chrono::system_clock::now() + 4s);
  createKey(testEnv().nginxPort, a, {{"name", "now"}, {"expiresAt", inSeconds}});
  // A second endpoint, created and deleted.
  const auto second = createWebhook(a, {{"url", endpointUrl(uniqueEndpoint("second"))}});
  ASSERT_TRUE(second && second->status == 201) << describe(second);
  ASSERT_EQ(send(a, "DELETE", "/webhooks/" + second->json().value("id", ""))->status, 204);
  // The session's end.
  ASSERT_EQ(send(a, "POST", "/auth/logout", json::object())->status, 200);

  const std::vector<std::string> once = {"user.login",  "user.login_failed",     "key.rotated",  "key.revoked",
                                         "key.leaked",  "key.credits_exhausted", "key.expired",  "webhook.deleted",
                                         "user.logout", "key.updated",           "key.disabled", "key.enabled"};
  json got;
  const bool arrived = eventually(
      [&] {
        got = receiverRecords(w.endpoint);
        for (const auto& t : once) {
          if (idsOfType(got, t).empty()) return false;
        }
        // The five keys' key.created, an expiring key's key.expiring, the endpoint's own webhook.created and the
        // second endpoint's.
        return idsOfType(got, "key.created").size() >= 5 && !idsOfType(got, "key.expiring").empty() &&
               idsOfType(got, "webhook.created").size() >= 2;
      },
      60s, 250ms);
  ASSERT_TRUE(arrived) << "after 60 s the endpoint had: " << got.dump();
  std::this_thread::sleep_for(2s);  // anything sent twice would be here by now
  got = receiverRecords(w.endpoint);
  EXPECT_TRUE(eachOnceAndVerified(got, once)) << got.dump();
  EXPECT_EQ(idsOfType(got, "key.created").size(), 5U)
      << "five keys created (a rotation writes key.rotated alone): " << got.dump();
  const size_t expiring = idsOfType(got, "key.expiring").size();
  EXPECT_TRUE(expiring == 1 || expiring == 2) << got.dump();
  EXPECT_TRUE(idsOfType(got, "user.signup").empty()) << "the endpoint came after the signup";
  // The body: {type, timestamp, data} with the event, which names no secret.
  for (const auto& e : got) {
    const json body = json::parse(e.value("body", ""), nullptr, false);
    ASSERT_TRUE(body.is_object()) << e.dump();
    EXPECT_TRUE(body.contains("type") && body.contains("timestamp") && body["data"].is_object()) << body;
    EXPECT_EQ(body["data"].value("id", ""), e.value("webhookId", "")) << body;
    EXPECT_EQ(e.value("body", "").find(k.key), std::string::npos) << "a key in a webhook body";
  }

  // The operator's endpoint got every one of these events, and the signup.
  json op;
  std::set<std::string> want;
  for (const auto& e : got) want.insert(e.value("webhookId", ""));
  ASSERT_TRUE(eventually(
      [&] {
        op = receiverRecords("operator");
        std::set<std::string> have;
        for (const auto& e : op) {
          if (e.value("verified", false)) have.insert(e.value("webhookId", ""));
        }
        for (const auto& id : want) {
          if (!have.contains(id)) return false;
        }
        return true;
      },
      30s, 250ms))
      << "the operator's endpoint misses some of the user's events";
  bool signupSeen = false;
  for (const auto& e : op) {
    const json body = json::parse(e.value("body", ""), nullptr, false);
    if (body.is_object() && body.value("type", "") == "user.signup" && body["data"]["target"].value("id", "") == a.id) {
      signupSeen = e.value("verified", false);
    }
  }
  EXPECT_TRUE(signupSeen) << "the operator's endpoint never got this user's user.signup";
}

// A receiver answering 500 gets the event again (after the first backoff, ~5 s), and the
// deliveries route shows the two attempts.
TEST(E2eWebhooksTest, A500IsRetriedUntilA200) {
  ASSERT_NE(receiver(), 0);
  const Account a = signup(testEnv().nginxPort, "e2e-hooks-retry");
  const Webhook w = registerEndpoint(a, "retry", {{"fail", 1}, {"failStatus", 500}}, {"key.created"});
  ASSERT_FALSE(w.id.empty());
  const Key k = createKey(testEnv().nginxPort, a, {{"name", "retried"}});
  ASSERT_FALSE(k.id.empty());

  json got;
  ASSERT_TRUE(eventually(
      [&] {
        got = receiverRecords(w.endpoint);
        return got.size() >= 2;
      },
      kArrival, 250ms))
      << got.dump();
  ASSERT_EQ(got[0].value("answered", json()).get<int>(), 500) << got.dump();
  EXPECT_EQ(got[1].value("answered", json()).get<int>(), 200) << got.dump();
  EXPECT_EQ(got[0].value("webhookId", ""), got[1].value("webhookId", "")) << "a retry keeps the webhook-id";
  EXPECT_TRUE(got[0].value("verified", false) && got[1].value("verified", false)) << got.dump();

  json deliveries;
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = send(a, "GET", "/webhooks/" + w.id + "/deliveries");
        if (!r || r->status != 200) return false;
        deliveries = r->json().value("deliveries", json::array());
        return deliveries.size() == 1 && deliveries[0].value("state", "") == "delivered";
      },
      5s))
      << deliveries.dump();
  EXPECT_EQ(deliveries[0].value("attempts", 0), 2) << deliveries.dump();
  EXPECT_EQ(deliveries[0].value("lastStatus", 0), 200) << deliveries.dump();
  EXPECT_TRUE(deliveries[0]["nextAttemptAt"].is_null())
      << "a delivered event has no next attempt: " << deliveries.dump();
}

// Many events made through both instances at once: each arrives once, though both instances' workers
// claim from the same table.
TEST(E2eWebhooksTest, TwoInstancesDeliverEachEventOnce) {
  ASSERT_NE(receiver(), 0);
  const Account a = signup(testEnv().nginxPort, "e2e-hooks-once");
  const Webhook w = registerEndpoint(a, "once", json::object(), {"key.created"});
  ASSERT_FALSE(w.id.empty());
  constexpr int kKeys = 30;
  for (int i = 0; i < kKeys; ++i) {
    const int n = 1 + i % 2;
    const auto r = request(testEnv().nginxPort, "POST", pinnedPrefix(n) + "/keys/create",
                           {{"Authorization", "Bearer " + a.accessToken}, {"Content-Type", "application/json"}},
                           json{{"name", "k" + std::to_string(i)}}.dump());
    ASSERT_TRUE(r && r->status == 201) << describe(r);
  }
  json got;
  ASSERT_TRUE(eventually(
      [&] {
        got = receiverRecords(w.endpoint);
        return idsOfType(got, "key.created").size() >= kKeys;
      },
      kArrival, 250ms))
      << got.size() << " arrived";
  std::this_thread::sleep_for(3s);
  got = receiverRecords(w.endpoint);
  std::map<std::string, int> perId;
  for (const auto& e : got) ++perId[e.value("webhookId", "")];
  EXPECT_EQ(perId.size(), static_cast<size_t>(kKeys));
  for (const auto& [id, n] : perId) EXPECT_EQ(n, 1) << id << " arrived " << n << " times";
}

// An attempt in flight when both instances are killed with -9 (the receiver holds the request
// unanswered) is delivered again once authd is back: the claim's lease runs out and the row is due.
TEST(E2eWebhooksTest, AnAttemptInFlightAtKill9IsDeliveredAfterTheRestart) {
  ASSERT_NE(receiver(), 0);
  const Account a = signup(testEnv().nginxPort, "e2e-hooks-kill");
  const Webhook w = registerEndpoint(a, "kill", {{"hold", 1}, {"holdMs", 60000}}, {"key.created"});
  ASSERT_FALSE(w.id.empty());
  const Key k = createKey(testEnv().nginxPort, a, {{"name", "in-flight"}});
  ASSERT_FALSE(k.id.empty());
  json got;
  ASSERT_TRUE(eventually(
      [&] {
        got = receiverRecords(w.endpoint);
        return !got.empty();
      },
      10s, 50ms))
      << "the first attempt never came";
  ASSERT_EQ(got[0].value("answered", json()), json("held")) << got.dump();
  const std::string id = got[0].value("webhookId", "");
  {
    InstanceRestarter back1(1), back2(2);
    ASSERT_EQ(stack("authd-kill", 1), 0);
    ASSERT_EQ(stack("authd-kill", 2), 0);
    back1.restart();
    back2.restart();
  }
  ASSERT_TRUE(bothReady(20s));
  ASSERT_TRUE(eventually(
      [&] {
        got = receiverRecords(w.endpoint);
        for (const auto& e : got) {
          if (e.value("webhookId", "") == id && e.value("answered", json()) == json(200)) return true;
        }
        return false;
      },
      40s, 250ms))
      << "not delivered after the restart: " << got.dump();
  EXPECT_TRUE(got.back().value("verified", false)) << got.dump();
}

// What GET /audit shows of the key lifecycle routes: the user as actor, the client's address as nginx
// saw it and its User-Agent; a leak report's actor is the key itself.
TEST(E2eWebhooksTest, AuditNamesActorAddressAndUserAgent) {
  const Account a = signup(testEnv().nginxPort, "e2e-hooks-audit");
  ASSERT_FALSE(a.id.empty());
  const std::string source = uniqueLoopbackAddress();
  const std::string agent = "authd-e2e/1.0 (audit check)";
  const Headers h = {
      {"Authorization", "Bearer " + a.accessToken}, {"Content-Type", "application/json"}, {"User-Agent", agent}};
  auto r = requestFrom(source, testEnv().nginxPort, "POST", "/keys/create", h, R"({"name":"audited"})");
  ASSERT_TRUE(r && r->status == 201) << describe(r);
  const json created = r->json();
  const std::string keyId = created.value("id", "");
  r = requestFrom(source, testEnv().nginxPort, "PATCH", "/keys/" + keyId, h, R"({"enabled":false})");
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  r = requestFrom(source, testEnv().nginxPort, "PATCH", "/keys/00000000-0000-4000-8000-000000000000", h,
                  R"({"name":"nobody's"})");
  ASSERT_TRUE(r && r->status == 404) << "a change that did not happen: " << describe(r);
  r = requestFrom(source, testEnv().nginxPort, "PATCH", "/keys/" + keyId, h, R"({"enabled":true})");
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  const std::string leakSource = uniqueLoopbackAddress();
  ASSERT_EQ(reportLeak(leakSource, created.value("key", ""))->status, 202);

  const auto page = get(testEnv().nginxPort, "/audit?limit=10", bearer(a.accessToken));
  ASSERT_TRUE(page && page->status == 200) << describe(page);
  const json events = page->json().value("events", json::array());
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.value("type", ""));
  const std::vector<std::string> want = {"key.leaked", "key.enabled", "key.disabled", "key.created", "user.signup"};
  ASSERT_EQ(types, want) << "newest first, no event for the refused change: " << events.dump();
  for (size_t i = 1; i <= 3; ++i) {
    const json& e = events[i];
    EXPECT_EQ(e["actor"], (json{{"type", "user"}, {"id", a.id}})) << e;
    EXPECT_EQ(e["target"], (json{{"type", "key"}, {"id", keyId}})) << e;
    EXPECT_EQ(e.value("clientAddress", ""), source) << e;
    EXPECT_EQ(e.value("userAgent", ""), agent) << e;
  }
  EXPECT_EQ(events[0]["actor"], (json{{"type", "key"}, {"id", keyId}})) << events[0];
  EXPECT_EQ(events[0].value("clientAddress", ""), leakSource) << events[0];
  EXPECT_EQ(events.dump().find(created.value("key", "")), std::string::npos) << "a key in the audit log";
}

// A User-Agent of bytes that are not UTF-8 (nginx and authd pass them through) never fails the change its event
// is written with: the audit log keeps it with U+FFFD for each bad byte.
TEST(E2eWebhooksTest, AUserAgentThatIsNotUtf8NeverFailsTheChange) {
  const std::string email = uniqueEmail("e2e-hooks-agent");
  const std::string agent = "caf\xe9-client/1 \xff";
  const json signupBody = {{"email", email}, {"password", kTestPassword}, {"name", "Agent"}};
  const auto r = request(testEnv().nginxPort, "POST", "/auth/signup",
                         {{"Content-Type", "application/json"}, {"User-Agent", agent}}, signupBody.dump());
  ASSERT_TRUE(r && r->status == 201) << describe(r);
  const Account a = accountFrom(*r, email);
  const auto k = request(
      testEnv().nginxPort, "POST", "/keys/create",
      {{"Authorization", "Bearer " + a.accessToken}, {"Content-Type", "application/json"}, {"User-Agent", agent}},
      R"({"name":"agent"})");
  ASSERT_TRUE(k && k->status == 201) << describe(k);
  const auto page = get(testEnv().nginxPort, "/audit", bearer(a.accessToken));
  ASSERT_TRUE(page && page->status == 200) << describe(page);
  const json events = page->json().value("events", json::array());
  ASSERT_EQ(events.size(), 2U) << events.dump();
  for (const auto& e : events) EXPECT_EQ(e.value("userAgent", ""), "caf\uFFFD-client/1 \uFFFD") << e;
}

}  // namespace
}  // namespace authd::testing
