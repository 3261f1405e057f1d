// GET /audit through nginx: the caller's own events, newest first, every event
// in the documented shape, paged with the `next` cursor until it is null, never
// another user's events, 400 for a bad limit or cursor, 401 without a JWT. The
// key routes write their own events (the outbox); these tests seed the events
// they look for straight into PostgreSQL, so they hold whatever else the log has.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;

std::optional<HttpResult> getAudit(const Account& a, std::string_view query = "") {
  return get(testEnv().nginxPort, "/audit" + std::string(query), bearer(a.accessToken));
}

json ok(const std::optional<HttpResult>& r) {
  EXPECT_TRUE(r && r->status == 200) << describe(r);
  if (!r || r->status != 200) return json(json::value_t::discarded);
  return r->json();
}

// Writes an event of `userId` as the outbox would (type, a user actor, the key as target); its id.
std::string seedEvent(const std::string& userId, const std::string& type, const std::string& keyId) {
  auto pg = makeTestPgPool(1);
  auto id = pg->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto row = tx.exec_params1(
        "INSERT INTO events (type, user_id, actor_type, actor_id, target_type, target_id, client_address, user_agent, "
        "data) VALUES ($1, $2::uuid, 'user', $2, 'key', $3, '127.0.0.1', 'e2e-audit', '{\"name\":\"seeded\"}') "
        "RETURNING id::text",
        type, userId, keyId);
    tx.commit();
    return row[0].as<std::string>();
  });
  EXPECT_TRUE(id) << describe(id.error());
  return id.value_or("");
}

// Every field of an AuditEvent, with the documented types.
void expectEventShape(const json& e) {
  ASSERT_TRUE(e.is_object()) << e.dump();
  std::set<std::string> keys;
  for (const auto& [k, v] : e.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"id", "type", "at", "actor", "target", "clientAddress", "userAgent", "data"}))
      << e.dump();
  EXPECT_TRUE(e["id"].is_string());
  EXPECT_TRUE(e["type"].is_string());
  EXPECT_TRUE(e["at"].is_string());
  EXPECT_TRUE(e["actor"].is_object() && e["actor"].contains("type") && e["actor"].contains("id")) << e.dump();
  EXPECT_TRUE(e["target"].is_object() && e["target"].contains("type") && e["target"].contains("id")) << e.dump();
  EXPECT_TRUE(e["data"].is_object());
}

// After POST /keys, the caller's log holds the key's key.created event in the documented shape, newest first.
TEST(E2eAuditApiTest, ShowsTheCallersKeyCreatedEvent) {
  const Account ann = signup(testEnv().nginxPort, "e2e-audit");
  ASSERT_FALSE(ann.id.empty());
  const Key key = createKey(testEnv().nginxPort, ann, {{"name", "audited"}});
  ASSERT_FALSE(key.id.empty());
  const std::string seeded = seedEvent(ann.id, "key.created", key.id);
  ASSERT_FALSE(seeded.empty());

  const auto r = getAudit(ann);
  const json b = ok(r);
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(r->header("content-type"), "application/json");
  ASSERT_TRUE(b.contains("next"));
  EXPECT_TRUE(b["next"].is_null());
  ASSERT_TRUE(b["events"].is_array());
  ASSERT_FALSE(b["events"].empty());
  for (const auto& e : b["events"]) expectEventShape(e);
  const json& newest = b["events"][0];  // seeded last, so the newest
  EXPECT_EQ(newest["id"], seeded);
  EXPECT_EQ(newest["type"], "key.created");
  EXPECT_EQ(newest["actor"], (json{{"type", "user"}, {"id", ann.id}}));
  EXPECT_EQ(newest["target"], (json{{"type", "key"}, {"id", key.id}}));
  EXPECT_EQ(newest["clientAddress"], "127.0.0.1");
  EXPECT_EQ(newest["userAgent"], "e2e-audit");
  EXPECT_EQ(newest["data"], (json{{"name", "seeded"}}));
}

// Paging one event at a time with `next` walks every event once, newest first, until next is null; another user's
// log never shows them.
TEST(E2eAuditApiTest, PagesWithTheCursorAndShowsOnlyTheCallersEvents) {
  const Account ann = signup(testEnv().nginxPort, "e2e-audit-pages");
  const Account bob = signup(testEnv().nginxPort, "e2e-audit-other");
  ASSERT_FALSE(ann.id.empty());
  ASSERT_FALSE(bob.id.empty());
  std::vector<std::string> seeded;
  for (int i = 0; i < 3; ++i) seeded.push_back(seedEvent(ann.id, "key.updated", crypto::uuidV4()));
  const auto all = ok(getAudit(ann, "?limit=200"));
  ASSERT_TRUE(all.is_object());
  std::vector<std::string> expected;
  for (const auto& e : all["events"]) expected.push_back(e["id"].get<std::string>());
  ASSERT_GE(expected.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(expected.begin(), expected.begin() + 3),
            (std::vector<std::string>{seeded[2], seeded[1], seeded[0]}));

  std::vector<std::string> walked;
  std::string query = "?limit=1";
  for (size_t page = 0; page <= expected.size(); ++page) {
    const json b = ok(getAudit(ann, query));
    ASSERT_TRUE(b.is_object());
    ASSERT_EQ(b["events"].size(), 1u) << b.dump();
    walked.push_back(b["events"][0]["id"].get<std::string>());
    if (b["next"].is_null()) break;
    ASSERT_TRUE(b["next"].is_string()) << b.dump();
    query = "?limit=1&before=" + b["next"].get<std::string>();
  }
  EXPECT_EQ(walked, expected);

  const json theirs = ok(getAudit(bob, "?limit=200"));
  ASSERT_TRUE(theirs.is_object());
  for (const auto& e : theirs["events"]) {
    for (const auto& id : seeded) EXPECT_NE(e["id"], id);
  }
}

// A limit beyond 1-200 or not a number, or a made-up cursor: 400 validation_failed in the JSON error shape; no JWT:
// 401.
TEST(E2eAuditApiTest, RefusesBadQueriesAndAnonymousCallers) {
  const Account ann = signup(testEnv().nginxPort, "e2e-audit-bad");
  ASSERT_FALSE(ann.id.empty());
  for (const std::string q : {"?limit=0", "?limit=201", "?limit=abc", "?limit=-5", "?before=xyz"}) {
    const auto r = getAudit(ann, q);
    ASSERT_TRUE(r) << q;
    EXPECT_EQ(r->status, 400) << q << " " << describe(r);
    EXPECT_EQ(r->json().value("code", ""), "validation_failed") << q;
  }
  const auto anon = get(testEnv().nginxPort, "/audit");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401) << describe(anon);
  EXPECT_EQ(anon->json().value("code", ""), "missing_credentials");
}

}  // namespace
}  // namespace authd::testing
