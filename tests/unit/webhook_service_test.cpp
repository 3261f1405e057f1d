// events::WebhookService over an in-memory store: a new endpoint's secret is Standard Webhooks', returned once and
// stored only sealed (bound to the endpoint's id); webhook.created/deleted/test are written with the change and never
// carry the secret; private targets are refused unless allowed (real resolution of "localhost" and literals);
// malformed ids 400, unknown or another user's endpoints 404; the operator's endpoint keeps its id and its secret as
// given.
#include "events/webhook_service.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "events/signature.hpp"
#include "support/fakes/fake_webhook_store.hpp"

namespace authd::events {
namespace {

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kBob = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";

// Every host resolves to one public address, without DNS.
Result<std::vector<std::string>> publicResolver(const std::string&, bool) {
  return std::vector<std::string>{"93.184.215.14"};
}

Context userCtx(std::string_view id) { return Context::user(std::string(id), {"203.0.113.7", "test-agent/1"}); }

CreateWebhookRequest request(std::string url, std::vector<std::string> types = {}) {
  return {std::move(url), std::move(types)};
}

class WebhookServiceTest : public ::testing::Test {
 protected:
  CreatedWebhook created(std::string_view user, std::string url = "https://hooks.example/in?token=t0k") {
    auto c = service_.create(userCtx(user), request(std::move(url), {"key.created"}));
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
    return c ? *c : CreatedWebhook{};
  }

  testing::FakeWebhookStore store_;
  SecretBox box_{std::string(48, 'k')};
  WebhookService service_{store_, box_, {false, 3}, publicResolver};
};

// The secret is whsec_ + base64 of 32 bytes, stored only sealed for this endpoint's id; the event says who, from
// where, which endpoint, its URL's origin (never the path or query, where tokens live), and not the secret.
TEST_F(WebhookServiceTest, CreateReturnsTheSecretOnceAndStoresItSealed) {
  const auto c = created(kAnn);
  ASSERT_TRUE(c.secret.starts_with("whsec_")) << c.secret;
  ASSERT_TRUE(webhookSecretKey(c.secret).has_value());
  EXPECT_EQ(webhookSecretKey(c.secret)->size(), 32u);
  EXPECT_EQ(c.webhook.userId, kAnn);
  EXPECT_EQ(c.webhook.url, "https://hooks.example/in?token=t0k");
  EXPECT_EQ(c.webhook.events, std::vector<std::string>{"key.created"});

  const auto& row = store_.rows.at(c.webhook.id);
  EXPECT_EQ(row.sealed.find(c.secret), std::string::npos);
  EXPECT_EQ(box_.open(row.sealed, c.webhook.id), c.secret);
  EXPECT_FALSE(box_.open(row.sealed, std::string(kBob)).has_value()) << "bound to the endpoint's id";

  ASSERT_EQ(store_.written.size(), 1u);
  const Event& e = store_.written[0];
  EXPECT_EQ(e.type, type::kWebhookCreated);
  EXPECT_EQ(e.userId, kAnn);
  EXPECT_EQ(e.actor.kind, ActorKind::kUser);
  EXPECT_EQ(e.actor.id, kAnn);
  EXPECT_EQ(e.targetType, "webhook");
  EXPECT_EQ(e.targetId, c.webhook.id);
  EXPECT_EQ(e.origin.clientAddress, "203.0.113.7");
  EXPECT_EQ(e.origin.userAgent, "test-agent/1");
  const auto data = nlohmann::json::parse(e.data);
  EXPECT_EQ(data.at("url"), "https://hooks.example");
  EXPECT_EQ(data.at("events"), nlohmann::json::array({"key.created"}));
  EXPECT_EQ(e.data.find("whsec_"), std::string::npos);
  EXPECT_EQ(e.data.find("t0k"), std::string::npos);

  EXPECT_NE(created(kAnn).secret, c.secret) << "every endpoint gets its own secret";
}

// allowPrivate false with the real resolver: localhost and loopback, private, metadata and IPv4-mapped literals are
// refused with url_not_allowed, and nothing is stored; allowPrivate true takes them.
TEST_F(WebhookServiceTest, RefusesPrivateTargetsUnlessAllowed) {
  WebhookService strict(store_, box_, {false, 100});
  WebhookService lax(store_, box_, {true, 100});
  for (const char* url :
       {"http://localhost:8080/hook", "http://127.0.0.1/hook", "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook"}) {
    const auto r = strict.create(userCtx(kAnn), request(url));
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code, Code::kUrlNotAllowed) << url;
    EXPECT_NE(r.error().message.find("public addresses"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(store_.rows.empty());
  EXPECT_TRUE(store_.written.empty());
  EXPECT_TRUE(lax.create(userCtx(kAnn), request("http://127.0.0.1:9/hook")).has_value());
  EXPECT_TRUE(lax.create(userCtx(kAnn), request("http://localhost:9/hook")).has_value());
}

// Not http(s): refused before anything is resolved or stored.
TEST_F(WebhookServiceTest, RefusesOtherSchemes) {
  const auto r = service_.create(userCtx(kAnn), request("ftp://hooks.example/"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kUrlNotAllowed);
  EXPECT_TRUE(store_.rows.empty());
}

// The per-user limit is the policy's; other users are not counted.
TEST_F(WebhookServiceTest, LimitIsPerUser) {
  for (int i = 0; i < 3; ++i) created(kAnn);
  const auto r = service_.create(userCtx(kAnn), request("https://hooks.example/"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kWebhookLimit);
  created(kBob);
}

// Delete: a malformed id is invalid_id; an unknown or another user's endpoint not_found; the owner's is removed
// (once) with webhook.deleted.
TEST_F(WebhookServiceTest, RemoveChecksIdAndOwner) {
  const auto c = created(kAnn);
  EXPECT_EQ(service_.remove(userCtx(kAnn), "not-a-uuid").error().code, Code::kInvalidId);
  EXPECT_EQ(service_.remove(userCtx(kBob), c.webhook.id).error().code, Code::kNotFound);
  EXPECT_EQ(service_.remove(userCtx(kAnn), std::string(kBob)).error().code, Code::kNotFound);
  ASSERT_TRUE(service_.remove(userCtx(kAnn), c.webhook.id).has_value());
  EXPECT_EQ(store_.written.back().type, type::kWebhookDeleted);
  EXPECT_EQ(store_.written.back().targetId, c.webhook.id);
  EXPECT_EQ(service_.remove(userCtx(kAnn), c.webhook.id).error().code, Code::kNotFound);
  EXPECT_TRUE(service_.list(kAnn)->empty());
}

// Deliveries and test sends: the same id and owner rules; the test event is webhook.test for that endpoint; the page
// size is bounded whatever the caller passes.
TEST_F(WebhookServiceTest, DeliveriesAndTestSendCheckIdAndOwner) {
  const auto c = created(kAnn);
  EXPECT_EQ(service_.deliveries(kAnn, "x", 10).error().code, Code::kInvalidId);
  EXPECT_EQ(service_.deliveries(kBob, c.webhook.id, 10).error().code, Code::kNotFound);
  EXPECT_TRUE(service_.deliveries(kAnn, c.webhook.id, 10).has_value());
  EXPECT_EQ(store_.lastLimit, 10);
  EXPECT_TRUE(service_.deliveries(kAnn, c.webhook.id, 1000).has_value());
  EXPECT_EQ(store_.lastLimit, kMaxDeliveriesLimit);

  EXPECT_EQ(service_.sendTest(userCtx(kAnn), "x").error().code, Code::kInvalidId);
  EXPECT_EQ(service_.sendTest(userCtx(kBob), c.webhook.id).error().code, Code::kNotFound);
  const auto sent = service_.sendTest(userCtx(kAnn), c.webhook.id);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(store_.testedWebhook, c.webhook.id);
  EXPECT_EQ(store_.written.back().type, type::kWebhookTest);
  EXPECT_EQ(store_.written.back().id, *sent);
  EXPECT_EQ(store_.written.back().targetId, c.webhook.id);
}

// An outage is an error, not a 404.
TEST_F(WebhookServiceTest, OutagesAreErrors) {
  const auto c = created(kAnn);
  store_.down = true;
  EXPECT_EQ(service_.create(userCtx(kAnn), request("https://h.example/")).error().code, Code::kDatabaseUnavailable);
  EXPECT_EQ(service_.list(kAnn).error().code, Code::kDatabaseUnavailable);
  EXPECT_EQ(service_.remove(userCtx(kAnn), c.webhook.id).error().code, Code::kDatabaseUnavailable);
  EXPECT_EQ(service_.sendTest(userCtx(kAnn), c.webhook.id).error().code, Code::kDatabaseUnavailable);
}

// WEBHOOK_URL: stored with the secret sealed exactly as given; a second start keeps the row's id; no URL removes it.
TEST_F(WebhookServiceTest, OperatorEndpointIsUpsertedAndRemoved) {
  const std::string secret = newWebhookSecret();
  ASSERT_TRUE(service_.configureOperator("https://ops.example/authd", secret).has_value());
  const auto* row = store_.operatorRow();
  ASSERT_NE(row, nullptr);
  const std::string id = row->webhook.id;
  EXPECT_EQ(box_.open(row->sealed, id), secret);
  EXPECT_EQ(row->sealed.find(secret), std::string::npos);

  ASSERT_TRUE(service_.configureOperator("https://ops2.example/authd", secret).has_value());
  row = store_.operatorRow();
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->webhook.id, id);
  EXPECT_EQ(row->webhook.url, "https://ops2.example/authd");
  EXPECT_TRUE(store_.written.empty()) << "configuring the operator's endpoint is no user's change";

  ASSERT_TRUE(service_.configureOperator("", "").has_value());
  EXPECT_EQ(store_.operatorRow(), nullptr);
}

// WEBHOOK_URL reaching a private address is refused unless allowed, naming the variable and the way out.
TEST_F(WebhookServiceTest, OperatorEndpointFollowsTheSamePolicy) {
  WebhookService strict(store_, box_, {false, 10});
  const auto r = strict.configureOperator("http://127.0.0.1:9000/hook", newWebhookSecret());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kUrlNotAllowed);
  EXPECT_TRUE(r.error().message.starts_with("WEBHOOK_URL: ")) << r.error().message;
  EXPECT_NE(r.error().message.find("WEBHOOK_ALLOW_PRIVATE=1"), std::string::npos) << r.error().message;
  EXPECT_EQ(store_.operatorRow(), nullptr);
  const auto scheme = strict.configureOperator("ftp://ops.example/", newWebhookSecret());
  ASSERT_FALSE(scheme.has_value());
  EXPECT_TRUE(scheme.error().message.starts_with("WEBHOOK_URL: url must start with")) << scheme.error().message;

  WebhookService lax(store_, box_, {true, 10});
  EXPECT_TRUE(lax.configureOperator("http://127.0.0.1:9000/hook", newWebhookSecret()).has_value());
  EXPECT_EQ(lax.configureOperator("http://127.0.0.1:9000/hook", "whsec_short").error().code, Code::kValidationFailed);
}

}  // namespace
}  // namespace authd::events
