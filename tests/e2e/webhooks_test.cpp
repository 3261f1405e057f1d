// The webhook endpoint routes through nginx against the real stack (which runs with WEBHOOK_ALLOW_PRIVATE=1, so
// loopback receivers are accepted; the refusal without it is tested in webhook_service_test and authd_cli_test):
// create → 201 with a whsec_ secret stored only sealed (AES-256-GCM under the JWT_SECRET-derived key, bound to the
// endpoint's id), the list without secrets, another user's endpoint 404, delete 204 (pending deliveries failed
// 'endpoint deleted'), the per-user limit 409 (also under concurrent creation), bad input 400, test sends to one
// endpoint only, deliveries newest first with a bounded page. Each test signs up its own users.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "events/secret_box.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;

// A receiver address nobody listens on (the discard port): these tests look at what authd stores, not at sending.
constexpr std::string_view kReceiver = "http://127.0.0.1:9/authd-e2e";

uint16_t front() { return testEnv().nginxPort; }

std::optional<HttpResult> createWebhook(const Account& a, const json& body) {
  return postJson(front(), "/webhooks", body, bearer(a.accessToken));
}

// POST /webhooks that must answer 201; its body (discarded, and a failed test, otherwise).
json created(const Account& a, const json& body = {{"url", kReceiver}}) {
  const auto r = createWebhook(a, body);
  EXPECT_TRUE(r && r->status == 201) << describe(r);
  if (!r || r->status != 201) return json(json::value_t::discarded);
  return r->json();
}

json listWebhooks(const Account& a) {
  const auto r = get(front(), "/webhooks", bearer(a.accessToken));
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  return r && r->status == 200 ? r->json() : json(json::value_t::discarded);
}

std::optional<HttpResult> deleteWebhook(const Account& a, std::string_view id) {
  return request(front(), "DELETE", "/webhooks/" + std::string(id), bearer(a.accessToken));
}

std::optional<HttpResult> sendTest(const Account& a, std::string_view id) {
  return request(front(), "POST", "/webhooks/" + std::string(id) + "/test", bearer(a.accessToken));
}

std::optional<HttpResult> deliveries(const Account& a, std::string_view id, std::string_view query = "") {
  return get(front(), "/webhooks/" + std::string(id) + "/deliveries" + std::string(query), bearer(a.accessToken));
}

// One text column of the first row of `sql` (one text parameter) from the test PostgreSQL; nullopt when no row.
std::optional<std::string> queryText(const std::string& sql, const std::string& param) {
  auto pool = makeTestPgPool(1);
  auto r = pool->run([&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_params(sql, param);
    if (rows.empty() || rows[0][0].is_null()) return std::nullopt;
    return rows[0][0].as<std::string>();
  });
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : std::nullopt;
}

// 201 {id, url, events, createdAt, secret}; the list shows it without the secret; PostgreSQL holds the secret only
// sealed, and it opens with the stack's key for this endpoint's id alone; webhook.created was written without it.
TEST(E2eWebhooksTest, CreateShowsTheSecretOnceAndStoresItSealed) {
  const Account ann = signup(front(), "e2e-hooks-create");
  const json w = created(ann, {{"url", kReceiver}, {"events", {"key.created", "key.revoked"}}});
  ASSERT_FALSE(w.is_discarded());
  const std::string id = w.value("id", "");
  const std::string secret = w.value("secret", "");
  EXPECT_TRUE(crypto::isCanonicalUuid(id)) << w;
  EXPECT_EQ(w.at("url"), kReceiver);
  EXPECT_EQ(w.at("events"), json::array({"key.created", "key.revoked"}));
  EXPECT_TRUE(w.at("createdAt").is_string());
  ASSERT_TRUE(secret.starts_with("whsec_")) << w;
  ASSERT_TRUE(crypto::base64Decode(secret.substr(6)).has_value());

  const json list = listWebhooks(ann);
  ASSERT_TRUE(list.is_array()) << list;
  ASSERT_EQ(list.size(), 1u) << list;
  EXPECT_EQ(list[0].at("id"), id);
  EXPECT_EQ(list[0].at("events"), w.at("events"));
  EXPECT_FALSE(list[0].contains("secret")) << list;
  EXPECT_EQ(list.dump().find("whsec_"), std::string::npos);

  const auto sealed = queryText("SELECT secret_encrypted FROM webhooks WHERE id = $1::uuid", id);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->find(secret), std::string::npos);
  EXPECT_EQ(sealed->find(secret.substr(6)), std::string::npos);
  const events::SecretBox box(testEnv().jwtSecret);  // the stack sets no WEBHOOK_SECRETS_KEY
  EXPECT_EQ(box.open(*sealed, id), secret);
  EXPECT_FALSE(box.open(*sealed, ann.id).has_value());

  const auto event = queryText(
      "SELECT type || ' ' || actor_type || ' ' || actor_id || ' ' || target_type || ' ' || data::text FROM events "
      "WHERE target_id = $1 AND type = 'webhook.created'",
      id);
  ASSERT_TRUE(event.has_value());
  EXPECT_TRUE(event->starts_with("webhook.created user " + ann.id + " webhook ")) << *event;
  EXPECT_EQ(event->find("whsec_"), std::string::npos) << *event;
}

// Another user's endpoint answers 404 to every route (as an unknown id does); a malformed id 400 invalid_id; no JWT
// 401.
TEST(E2eWebhooksTest, AnotherUsersEndpointIsNotFound) {
  const Account ann = signup(front(), "e2e-hooks-ann");
  const Account bob = signup(front(), "e2e-hooks-bob");
  const std::string id = created(ann).value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(isError(deleteWebhook(bob, id), 404, "not_found"));
  EXPECT_TRUE(isError(sendTest(bob, id), 404, "not_found"));
  EXPECT_TRUE(isError(deliveries(bob, id), 404, "not_found"));
  EXPECT_TRUE(listWebhooks(bob).empty());
  const std::string unknown = crypto::uuidV4();
  EXPECT_TRUE(isError(deleteWebhook(ann, unknown), 404, "not_found"));
  EXPECT_TRUE(isError(deliveries(ann, unknown), 404, "not_found"));
  for (const auto& r : {deleteWebhook(ann, "not-a-uuid"), sendTest(ann, "1234"), deliveries(ann, "x")}) {
    EXPECT_TRUE(isError(r, 400, "invalid_id"));
  }
  EXPECT_TRUE(isError(get(front(), "/webhooks"), 401, "missing_credentials"));
  EXPECT_TRUE(isError(postJson(front(), "/webhooks", {{"url", kReceiver}}), 401, "missing_credentials"));
  ASSERT_EQ(listWebhooks(ann).size(), 1u) << "bob's attempts changed nothing";
}

// A test send queues webhook.test for that endpoint alone (not the user's other endpoint), shown in its deliveries,
// newest first, the page bounded by ?limit=.
TEST(E2eWebhooksTest, TestSendReachesOneEndpointAndDeliveriesArePaged) {
  const Account ann = signup(front(), "e2e-hooks-test");
  // Subscribed to key.created only, so neither receives the other's webhook.created: a test send is sent whatever
  // an endpoint subscribes to.
  const json onlyKeys = {{"url", kReceiver}, {"events", {"key.created"}}};
  const std::string a = created(ann, onlyKeys).value("id", "");
  const std::string b = created(ann, onlyKeys).value("id", "");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  std::vector<std::string> sent;
  for (int i = 0; i < 2; ++i) {
    const auto r = sendTest(ann, a);
    ASSERT_TRUE(r && r->status == 202) << describe(r);
    sent.push_back(r->json().value("eventId", ""));
    ASSERT_TRUE(crypto::isCanonicalUuid(sent.back())) << *r;
  }
  const auto all = deliveries(ann, a);
  ASSERT_TRUE(all && all->status == 200) << describe(all);
  const json list = all->json().at("deliveries");
  ASSERT_EQ(list.size(), 2u) << list;
  EXPECT_EQ(list[0].at("eventId"), sent[1]) << "newest first";
  EXPECT_EQ(list[1].at("eventId"), sent[0]);
  for (const auto& d : list) {
    EXPECT_EQ(d.at("type"), "webhook.test");
    EXPECT_TRUE(d.at("id").is_number_integer());
    EXPECT_TRUE(d.at("state").is_string());
    EXPECT_TRUE(d.at("attempts").is_number_integer());
    for (const char* f : {"lastStatus", "lastError", "lastAttemptAt", "nextAttemptAt", "createdAt"}) {
      EXPECT_TRUE(d.contains(f)) << f << " missing in " << d;
    }
  }
  const auto one = deliveries(ann, a, "?limit=1");
  ASSERT_TRUE(one && one->status == 200) << describe(one);
  ASSERT_EQ(one->json().at("deliveries").size(), 1u);
  EXPECT_EQ(one->json().at("deliveries")[0].at("eventId"), sent[1]);
  const auto other = deliveries(ann, b);
  ASSERT_TRUE(other && other->status == 200) << describe(other);
  EXPECT_TRUE(other->json().at("deliveries").empty()) << "a test send is not fanned out: " << *other;
  for (const char* bad : {"?limit=0", "?limit=101", "?limit=x"}) {
    EXPECT_TRUE(isValidationError(deliveries(ann, a, bad), "limit")) << bad;
  }
}

// DELETE answers 204 and the endpoint is gone (a second DELETE 404); its pending deliveries are failed with
// 'endpoint deleted', and webhook.deleted is written.
TEST(E2eWebhooksTest, DeleteRemovesTheEndpointAndFailsItsPendingDeliveries) {
  const Account ann = signup(front(), "e2e-hooks-delete");
  const std::string id = created(ann).value("id", "");
  ASSERT_FALSE(id.empty());
  const auto test = sendTest(ann, id);
  ASSERT_TRUE(test && test->status == 202) << describe(test);
  const auto r = deleteWebhook(ann, id);
  ASSERT_TRUE(r && r->status == 204) << describe(r);
  EXPECT_TRUE(r->body.empty());
  EXPECT_TRUE(listWebhooks(ann).empty());
  EXPECT_TRUE(isError(deleteWebhook(ann, id), 404, "not_found"));
  EXPECT_TRUE(isError(sendTest(ann, id), 404, "not_found"));
  EXPECT_EQ(queryText("SELECT state || ' ' || coalesce(last_error, '') FROM webhook_deliveries WHERE webhook_id = "
                      "$1::uuid",
                      id),
            "failed endpoint deleted");
  EXPECT_EQ(queryText("SELECT count(*)::text FROM events WHERE type = 'webhook.deleted' AND target_id = $1", id), "1");
  EXPECT_EQ(queryText("SELECT (deleted_at IS NOT NULL)::text FROM webhooks WHERE id = $1::uuid", id), "true")
      << "soft-deleted: its deliveries' history stays";
}

// WEBHOOK_MAX_PER_USER (10 by default) live endpoints; the next is 409 webhook_limit until one is deleted. Racing
// creations never pass the limit.
TEST(E2eWebhooksTest, LimitIsEnforcedEvenUnderConcurrentCreation) {
  const Account ann = signup(front(), "e2e-hooks-limit");
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(created(ann).value("id", ""));
  // 6 at once for the last 2 places.
  std::latch go(6);
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      go.arrive_and_wait();
      const auto r = createWebhook(ann, {{"url", kReceiver}});
      if (r && r->status == 201) ++ok;
      else if (isError(r, 409, "webhook_limit")) ++limited;
      else ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(limited.load(), 4);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(listWebhooks(ann).size(), 10u);
  EXPECT_TRUE(isError(createWebhook(ann, {{"url", kReceiver}}), 409, "webhook_limit"));
  const auto del = deleteWebhook(ann, ids[0]);
  ASSERT_TRUE(del && del->status == 204) << describe(del);
  EXPECT_FALSE(created(ann).is_discarded()) << "a deleted endpoint frees its place";
  const Account bob = signup(front(), "e2e-hooks-limit-bob");
  EXPECT_FALSE(created(bob).is_discarded()) << "the limit is per user";
}

// Bad input: an unknown event type (named), a non-http(s) URL, user info, a fragment, a missing url, an unknown
// field, a body that is not JSON.
TEST(E2eWebhooksTest, BadInputIsRefusedWithTheErrorShape) {
  const Account ann = signup(front(), "e2e-hooks-input");
  EXPECT_TRUE(isValidationError(createWebhook(ann, {{"url", kReceiver}, {"events", {"key.created", "key.exploded"}}}),
                                "events[1]"));
  EXPECT_TRUE(isValidationError(createWebhook(ann, {{"url", kReceiver}, {"events", {"webhook.test"}}}), "events[0]"));
  EXPECT_TRUE(isValidationError(createWebhook(ann, {{"url", kReceiver}, {"events", "key.created"}}), "events"));
  EXPECT_TRUE(isValidationError(createWebhook(ann, {{"events", json::array()}}), "url"));
  EXPECT_TRUE(isValidationError(createWebhook(ann, {{"url", kReceiver}, {"secret", "mine"}}), "secret"));
  for (const char* url :
       {"ftp://127.0.0.1/hook", "file:///etc/passwd", "127.0.0.1:9/hook", "http://user:pw@127.0.0.1:9/hook",
        "http://127.0.0.1:9/hook#x", "http://127.0.0.1:99999/", "http:// 127.0.0.1/"}) {
    const auto r = createWebhook(ann, {{"url", url}});
    EXPECT_TRUE(isError(r, 400, "url_not_allowed")) << url;
    if (r) {
      EXPECT_NE(r->json().value("message", "").find("url"), std::string::npos) << *r;
    }
  }
  const auto raw =
      request(front(), "POST", "/webhooks",
              {{"Authorization", "Bearer " + ann.accessToken}, {"Content-Type", "application/json"}}, "{\"url\":");
  EXPECT_TRUE(isError(raw, 400, "invalid_json"));
  EXPECT_TRUE(listWebhooks(ann).empty());
}

}  // namespace
}  // namespace authd::testing
