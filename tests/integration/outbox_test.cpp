// The transactional outbox against the test stack: every account and key change
// made through nginx to the running authd instances writes exactly its audit
// event(s) in sql/006's events table, with the right actor, target, client
// address and User-Agent; a change that is refused (409) writes none; when the
// event cannot be written, the change is not committed either (a CHECK
// constraint added for the test refuses one marked User-Agent); and a credit
// flush that takes a balance to 0 records key.credits_exhausted once.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "events/written_counts.hpp"
#include "keys/key_store.hpp"
#include "store/pg/pg_key_store.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/key_api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kAgent = "outbox-test/1.0 (integration)";
// Events with this User-Agent are refused by the constraint RollbackTest adds (and nothing else sends it).
constexpr std::string_view kRefusedAgent = "outbox-test-refuse-this-event";

// One events row as the test compares it.
struct Row {
  std::string type, actorType, actorId, targetType, targetId, clientAddress, userAgent;
  json data;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.type << " actor=" << r.actorType << ":" << r.actorId << " target=" << r.targetType << ":" << r.targetId
            << " from=" << r.clientAddress << " ua=" << r.userAgent << " data=" << r.data.dump();
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();  // fails, with the reason, without the stack
    pg_ = makeTestPgPool(2);
    source_ = uniqueLoopbackAddress();
  }

  // A request through nginx from this test's own loopback address, naming itself by User-Agent.
  std::optional<HttpResult> send(std::string_view method, std::string_view target, const json& body,
                                 const std::string& token = "", std::string_view agent = kAgent) {
    Headers h{{"User-Agent", std::string(agent)}, {"Content-Type", "application/json"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return requestFrom(source_, testEnv().nginxPort, method, target, h, body.is_null() ? "" : body.dump());
  }

  // The events in `userId`'s log, oldest first.
  // The user's events written by changes, oldest first: not the running stack's expiry scan's notices (a
  // rotated key's grace ends within a day, so the scan may add key.expiring at any moment).
  std::vector<Row> eventsOf(const std::string& userId) {
    return query(
        "SELECT type, actor_type, coalesce(actor_id, ''), target_type, coalesce(target_id, ''), "
        "coalesce(client_address, ''), coalesce(user_agent, ''), data::text FROM events WHERE user_id = $1::uuid "
        "AND type NOT IN ('key.expiring', 'key.expired') ORDER BY seq",
        userId);
  }
  // The events in no account's log sent from this test's address, oldest first.
  std::vector<Row> anonymousEventsFromHere() {
    return query(
        "SELECT type, actor_type, coalesce(actor_id, ''), target_type, coalesce(target_id, ''), "
        "coalesce(client_address, ''), coalesce(user_agent, ''), data::text FROM events WHERE user_id IS NULL "
        "AND client_address = $1 ORDER BY seq",
        source_);
  }
  std::vector<Row> query(const char* sql, const std::string& param) {
    auto rows = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<Row> out;
      for (const auto& r : tx.exec_params(sql, param)) {
        out.push_back(Row{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                          r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                          r[6].as<std::string>(), json::parse(r[7].as<std::string>())});
      }
      return out;
    });
    EXPECT_TRUE(rows) << describe(rows.error());
    return rows ? *rows : std::vector<Row>{};
  }

 public:
  // Runs one statement without parameters (the test's own constraint on events).
  void ddl(const std::string& sql) {
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec(sql);
      tx.commit();
    });
    EXPECT_TRUE(done) << sql << ": " << describe(done);
  }

 protected:
  // The types of `rows`, in order.
  static std::vector<std::string> typesOf(const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.type);
    return out;
  }
  // Signs up a fresh user through nginx from this test's address; the account (empty, and a failed test, unless
  // 201).
  Account signupHere(std::string_view agent = kAgent) {
    const std::string email = uniqueEmail("outbox");
    const auto r =
        send("POST", "/auth/signup", {{"email", email}, {"password", kTestPassword}, {"name", "O"}}, "", agent);
    EXPECT_TRUE(r && r->status == 201) << describe(r);
    return r && r->status == 201 ? accountFrom(*r, email) : Account{};
  }

  std::unique_ptr<store::pg::PgPool> pg_;
  std::string source_;
};

// The account changes: signup, a failed login (wrong password, in the account's log; an unknown email, in no
// account's log), a login naming its session, logout. Each by the user (a failed login: by nobody authenticated),
// from this test's address and User-Agent, and no password, token or email in any of them.
TEST_F(OutboxTest, AccountChangesWriteTheirEvents) {
  const Account a = signupHere();
  ASSERT_FALSE(a.id.empty());
  const auto wrong = send("POST", "/auth/login", {{"email", a.email}, {"password", "not-the-password-1"}});
  ASSERT_TRUE(wrong && wrong->status == 401) << describe(wrong);
  const auto unknown =
      send("POST", "/auth/login", {{"email", uniqueEmail("outbox-nobody")}, {"password", "not-the-password-1"}});
  ASSERT_TRUE(unknown && unknown->status == 401) << describe(unknown);
  const auto in = send("POST", "/auth/login", {{"email", a.email}, {"password", kTestPassword}});
  ASSERT_TRUE(in && in->status == 200) << describe(in);
  const Account session = accountFrom(*in, a.email);
  const auto out = send("POST", "/auth/logout", json(), session.accessToken);
  ASSERT_TRUE(out && out->status == 200) << describe(out);

  const auto rows = eventsOf(a.id);
  ASSERT_EQ(typesOf(rows), (std::vector<std::string>{"user.signup", "user.login_failed", "user.login", "user.logout"}));
  for (const auto& r : rows) {
    EXPECT_EQ(r.targetType, "user") << r;
    EXPECT_EQ(r.targetId, a.id) << r;
    EXPECT_EQ(r.actorType, "user") << r;
    EXPECT_EQ(r.actorId, r.type == "user.login_failed" ? "" : a.id) << r;
    EXPECT_EQ(r.clientAddress, source_) << r;
    EXPECT_EQ(r.userAgent, kAgent) << r;
    for (const std::string& secret : {a.email, std::string(kTestPassword), session.accessToken, a.refreshToken}) {
      EXPECT_EQ(r.data.dump().find(secret), std::string::npos) << r;
    }
  }
  EXPECT_EQ(rows[1].data, (json{{"reason", "invalid_credentials"}}));
  ASSERT_TRUE(rows[2].data.contains("sessionId"));
  EXPECT_EQ(rows[2].data["sessionId"], rows[3].data["sessionId"]) << "logout ends the session login began";

  const auto anonymous = anonymousEventsFromHere();
  ASSERT_EQ(typesOf(anonymous), std::vector<std::string>{"user.login_failed"});
  EXPECT_EQ(anonymous[0].targetId, "");
  EXPECT_EQ(anonymous[0].userAgent, kAgent);
}

// The key lifecycle: each change writes exactly its events (one PATCH: key.updated for fields that changed,
// key.disabled/key.enabled for `enabled`, nothing when nothing changed), by the user, about the key, from this test's
// address and User-Agent; refused changes (rotating a rotated or revoked key: 409) and a second revocation write
// nothing; a leak report is by the key itself, once.
TEST_F(OutboxTest, KeyLifecycleWritesExactlyItsEvents) {
  const Account a = signupHere();
  ASSERT_FALSE(a.id.empty());
  const auto created = send("POST", "/keys", {{"name", "ci"}, {"scopes", {"read"}}}, a.accessToken);
  ASSERT_TRUE(created && created->status == 201) << describe(created);
  const std::string id = created->json().value("id", "");
  const std::string key = created->json().value("key", "");

  const auto patch = [&](const json& body) {
    const auto r = send("PATCH", "/keys/" + id, body, a.accessToken);
    EXPECT_TRUE(r && r->status == 200) << describe(r);
  };
  patch({{"name", "renamed"}, {"rateLimit", {{"limit", 10}, {"windowSeconds", 60}}}});
  patch({{"name", "renamed"}});  // as it is: no event
  patch({{"enabled", false}});
  patch({{"enabled", true}, {"scopes", {"read", "write"}}});

  const auto rotated = send("POST", "/keys/" + id + "/rotate", {{"gracePeriodSeconds", 60}}, a.accessToken);
  ASSERT_TRUE(rotated && rotated->status == 201) << describe(rotated);
  const std::string next = rotated->json().value("id", "");
  const auto again = send("POST", "/keys/" + id + "/rotate", json(), a.accessToken);
  ASSERT_TRUE(again && again->status == 409) << describe(again);
  const auto revoked = send("DELETE", "/keys/" + next, json(), a.accessToken);
  ASSERT_TRUE(revoked && revoked->status == 200) << describe(revoked);
  const auto revokedAgain = send("DELETE", "/keys/" + next, json(), a.accessToken);
  ASSERT_TRUE(revokedAgain && revokedAgain->status == 200) << describe(revokedAgain);
  const auto rotateRevoked = send("POST", "/keys/" + next + "/rotate", json(), a.accessToken);
  ASSERT_TRUE(rotateRevoked && rotateRevoked->status == 409) << describe(rotateRevoked);

  // A second key, reported leaked twice by an anonymous holder from another address.
  const auto other = send("POST", "/keys", {{"name", "leaky"}}, a.accessToken);
  ASSERT_TRUE(other && other->status == 201) << describe(other);
  const std::string otherId = other->json().value("id", "");
  const std::string reporter = uniqueLoopbackAddress();
  for (int i = 0; i < 2; ++i) {
    const auto r = requestFrom(reporter, testEnv().nginxPort, "POST", "/keys/report-leak",
                               {{"User-Agent", "leak-scanner/2"}, {"x-api-key", other->json().value("key", "")}});
    ASSERT_TRUE(r && r->status == 202) << describe(r);
  }

  const auto rows = eventsOf(a.id);
  ASSERT_EQ(typesOf(rows),
            (std::vector<std::string>{"user.signup", "key.created", "key.updated", "key.disabled", "key.updated",
                                      "key.enabled", "key.rotated", "key.revoked", "key.created", "key.leaked"}));
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    EXPECT_EQ(r.targetType, "key") << r;
    EXPECT_EQ(r.data.dump().find(key), std::string::npos) << r;
    EXPECT_EQ(r.data.dump().find(rotated->json().value("key", "")), std::string::npos) << r;
    if (r.type == "key.leaked") continue;
    EXPECT_EQ(r.actorType, "user") << r;
    EXPECT_EQ(r.actorId, a.id) << r;
    EXPECT_EQ(r.clientAddress, source_) << r;
    EXPECT_EQ(r.userAgent, kAgent) << r;
  }
  EXPECT_EQ(rows[1].targetId, id);
  EXPECT_EQ(rows[1].data,
            (json{{"name", "ci"}, {"prefix", created->json().value("prefix", "")}, {"scopes", {"read"}}}));
  EXPECT_EQ(rows[2].data, (json{{"fields", {"name", "rateLimit"}}}));
  EXPECT_EQ(rows[3].data, (json{{"reason", "user"}}));
  EXPECT_EQ(rows[4].data, (json{{"fields", {"scopes"}}}));
  EXPECT_EQ(rows[6].targetId, id);
  EXPECT_EQ(rows[6].data.value("successorId", ""), next);
  EXPECT_EQ(rows[7].targetId, next);
  EXPECT_EQ(rows[8].targetId, otherId);
  const Row& leaked = rows[9];
  EXPECT_EQ(leaked.actorType, "key") << leaked;
  EXPECT_EQ(leaked.actorId, otherId) << leaked;
  EXPECT_EQ(leaked.targetId, otherId) << leaked;
  EXPECT_EQ(leaked.clientAddress, reporter) << leaked;
  EXPECT_EQ(leaked.userAgent, "leak-scanner/2") << leaked;
}

// Commit both or neither: with the event's insert refused (a CHECK constraint on events for one User-Agent), the
// change fails and is not there afterwards: a signup leaves no user, a PATCH leaves the key as it was; the same
// requests without that User-Agent go through.
TEST_F(OutboxTest, ChangeIsNotCommittedWhenItsEventIsRefused) {
  const Account a = signupHere();
  ASSERT_FALSE(a.id.empty());
  const auto created = send("POST", "/keys", {{"name", "before"}}, a.accessToken);
  ASSERT_TRUE(created && created->status == 201) << describe(created);
  const std::string id = created->json().value("id", "");

  // Dropped again when the test ends, however it ends.
  struct Refusal {
    OutboxTest& t;
    explicit Refusal(OutboxTest& test) : t(test) {
      t.ddl("ALTER TABLE events DROP CONSTRAINT IF EXISTS outbox_test_refuse");
      t.ddl("ALTER TABLE events ADD CONSTRAINT outbox_test_refuse CHECK (user_agent IS DISTINCT FROM '" +
            std::string(kRefusedAgent) + "') NOT VALID");
    }
    ~Refusal() { end(); }
    void end() { t.ddl("ALTER TABLE events DROP CONSTRAINT IF EXISTS outbox_test_refuse"); }
  };
  Refusal refusal(*this);

  const auto patched = send("PATCH", "/keys/" + id, {{"name", "after"}}, a.accessToken, kRefusedAgent);
  ASSERT_TRUE(patched) << describe(patched);
  EXPECT_GE(patched->status, 500) << describe(patched);
  const std::string email = uniqueEmail("outbox-refused");
  const auto refusedSignup =
      send("POST", "/auth/signup", {{"email", email}, {"password", kTestPassword}, {"name", "R"}}, "", kRefusedAgent);
  ASSERT_TRUE(refusedSignup) << describe(refusedSignup);
  EXPECT_GE(refusedSignup->status, 500) << describe(refusedSignup);
  refusal.end();

  const auto key = getKey(a, id);
  ASSERT_TRUE(key && key->status == 200) << describe(key);
  EXPECT_EQ(key->json().value("name", ""), "before") << "the PATCH was committed without its event";
  EXPECT_EQ(typesOf(eventsOf(a.id)), (std::vector<std::string>{"user.signup", "key.created"}));
  const auto login = send("POST", "/auth/login", {{"email", email}, {"password", kTestPassword}});
  ASSERT_TRUE(login) << describe(login);
  EXPECT_EQ(login->status, 401) << "the signup was committed without its event";

  // The same changes, their events allowed.
  const auto patchedNow = send("PATCH", "/keys/" + id, {{"name", "after"}}, a.accessToken);
  ASSERT_TRUE(patchedNow && patchedNow->status == 200) << describe(patchedNow);
  const auto signupNow =
      send("POST", "/auth/signup", {{"email", email}, {"password", kTestPassword}, {"name", "R"}}, "");
  ASSERT_TRUE(signupNow && signupNow->status == 201) << describe(signupNow);
}

// A credit flush that takes a key's balance to 0 writes key.credits_exhausted (by the system) with it; the same
// balance flushed again changes nothing and writes nothing; a new grant exhausted again writes it again.
TEST_F(OutboxTest, CreditsExhaustedOncePerGrant) {
  const Account a = signupHere();
  ASSERT_FALSE(a.id.empty());
  const auto created = send("POST", "/keys", {{"name", "metered"}, {"credits", {{"remaining", 5}}}}, a.accessToken);
  ASSERT_TRUE(created && created->status == 201) << describe(created);
  const std::string id = created->json().value("id", "");
  events::WrittenCounts counts;
  auto pool = makeTestPgPool({.size = 1, .prepare = true});
  store::pg::PgKeyStore prepared(*pool, counts);

  const auto flush = [&](int64_t remaining) {
    const auto stored = storedCredits(*pg_, id);
    EXPECT_TRUE(stored);
    auto saved = prepared.saveCredits({keys::CreditBalance{id, stored ? stored->version : 0, remaining, 0}});
    EXPECT_TRUE(saved) << describe(saved.error());
    return saved ? *saved : size_t{0};
  };
  EXPECT_EQ(flush(2), 1u);
  EXPECT_EQ(flush(0), 1u);
  EXPECT_EQ(flush(0), 0u);
  const auto regrant = send("PATCH", "/keys/" + id, {{"credits", {{"remaining", 3}}}}, a.accessToken);
  ASSERT_TRUE(regrant && regrant->status == 200) << describe(regrant);
  EXPECT_EQ(flush(0), 1u);

  const auto rows = eventsOf(a.id);
  ASSERT_EQ(typesOf(rows), (std::vector<std::string>{"user.signup", "key.created", "key.credits_exhausted",
                                                     "key.updated", "key.credits_exhausted"}));
  EXPECT_EQ(rows[2].actorType, "system");
  EXPECT_EQ(rows[2].actorId, "");
  EXPECT_EQ(rows[2].targetId, id);
  EXPECT_EQ(rows[2].clientAddress, "");
  EXPECT_EQ(rows[2].data, (json{{"periodStart", nullptr}}));
  uint64_t exhausted = 0;
  for (const auto& [type, n] : counts.snapshot()) {
    if (type == "key.credits_exhausted") exhausted = n;
  }
  EXPECT_EQ(exhausted, 2u) << "counted once each, after commit";
}

}  // namespace
}  // namespace authd::testing
