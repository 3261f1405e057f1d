// The webhook delivery worker against the test stack's PostgreSQL and a loopback receiver run here, through the real
// parts (PgDeliveryStore, CurlSender, the outbox's fan-out): a 2xx is recorded delivered with Standard Webhooks
// headers; a 500 is retried and then delivered; two workers deliver each row exactly once; a row claimed by an
// instance that died is delivered again after its lease; a redirect is a failed attempt and not followed; a deleted
// endpoint's rows are failed; loopback is refused at connect time without WEBHOOK_ALLOW_PRIVATE. Each test has a
// schema of its own (copies of events, webhooks and webhook_deliveries, first on its connections' search_path), so
// the stack's running authd instances, which deliver from the public schema, never take its rows.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "core/crypto.hpp"
#include "delivery/curl_sender.hpp"
#include "events/delivery_worker.hpp"
#include "events/secret_box.hpp"
#include "events/signature.hpp"
#include "store/pg/pg_deliveries.hpp"
#include "store/pg/pg_outbox.hpp"
#include "support/loopback_receiver.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;
using events::DeliveryWorker;
using events::DeliveryWorkerOptions;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// What webhook_deliveries holds of one row.
struct Row {
  std::string state;
  int attempts = 0;
  int lastStatus = 0;  // 0: NULL
  std::string lastError;
  bool attempted = false;   // last_attempt_at set
  double dueInSeconds = 0;  // next_attempt_at - now()
};

class DeliveryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)testEnv();  // fails, with the reason, without the stack
    schema_ = "delivery_test_" + crypto::toHex(crypto::randomBytes(6));
    admin_ = makeTestPgPool(1);
    ASSERT_TRUE(exec("CREATE SCHEMA " + schema_ + "; " + "CREATE TABLE " + schema_ +
                     ".events (LIKE public.events INCLUDING ALL); CREATE TABLE " + schema_ +
                     ".webhooks (LIKE public.webhooks INCLUDING ALL); CREATE TABLE " + schema_ +
                     ".webhook_deliveries (LIKE public.webhook_deliveries INCLUDING ALL)"));
    pg_ = pool();
    store_ = std::make_unique<store::pg::PgDeliveryStore>(*pg_);
  }
  void TearDown() override {
    if (admin_ && !schema_.empty()) (void)exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  std::unique_ptr<store::pg::PgPool> pool(int size = 4) {
    return makeTestPgPool({.size = size, .prepare = true, .searchPath = schema_ + ",public"});
  }

  bool exec(const std::string& sql) {
    auto done = admin_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec(sql);
      tx.commit();
    });
    EXPECT_TRUE(done.has_value()) << sql << ": " << (done ? "" : done.error().message);
    return done.has_value();
  }
  bool execParam(const std::string& sql, const std::string& param) {
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params(sql, param);
      tx.commit();
    });
    EXPECT_TRUE(done.has_value()) << sql << ": " << (done ? "" : done.error().message);
    return done.has_value();
  }

  // A user's endpoint at `url` (its secret sealed as authd seals it); its id.
  std::string addWebhook(const std::string& url, const std::string& userId) {
    const std::string id = crypto::uuidV4();
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params("INSERT INTO webhooks (id, user_id, url, secret_encrypted) VALUES ($1::uuid, $2::uuid, $3, $4)",
                     id, userId, url, box_.seal(kSecret, id));
      tx.commit();
    });
    EXPECT_TRUE(done.has_value()) << (done ? "" : done.error().message);
    return id;
  }

  // One event in `userId`'s log, fanned out to that user's endpoints by the outbox; its id.
  std::string addEvent(const std::string& userId, std::string_view type = events::type::kUserLogin) {
    auto e =
        events::make(type, userId, events::Context::user(userId, {"203.0.113.5", "delivery-test"}), "user", userId);
    auto done = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      store::pg::appendEvent(tx, e);
      tx.commit();
    });
    EXPECT_TRUE(done.has_value()) << (done ? "" : done.error().message);
    return e.id;
  }

  Row row(const std::string& eventId, const std::string& webhookId) {
    auto r = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      const auto x = tx.exec_params1(
          "SELECT state, attempts, coalesce(last_status, 0), coalesce(last_error, ''), last_attempt_at IS NOT NULL, "
          "extract(epoch FROM next_attempt_at - now())::double precision FROM webhook_deliveries "
          "WHERE event_id = $1::uuid AND webhook_id = $2::uuid",
          eventId, webhookId);
      return Row{x[0].as<std::string>(), x[1].as<int>(),  x[2].as<int>(),
                 x[3].as<std::string>(), x[4].as<bool>(), x[5].as<double>()};
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r.value_or(Row{});
  }

  int countState(const std::string& state) {
    auto n = pg_->run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      return tx.exec_params1("SELECT count(*)::int FROM webhook_deliveries WHERE state = $1", state)[0].as<int>();
    });
    return n.value_or(-1);
  }

  std::unique_ptr<DeliveryWorker> worker(events::DeliveryStore& store, events::WebhookSender& sender,
                                         DeliveryWorkerOptions o = {}) {
    if (o.timeout == 5000ms) o.timeout = 2000ms;
    o.poll = 50ms;
    return std::make_unique<DeliveryWorker>(store, sender, box_, clock_, o, [] { return 0.5; });
  }

  std::string schema_;
  std::unique_ptr<store::pg::PgPool> admin_;
  std::unique_ptr<store::pg::PgPool> pg_;
  std::unique_ptr<store::pg::PgDeliveryStore> store_;
  events::SecretBox box_{"delivery integration test key material"};
  SystemClock clock_;
  delivery::CurlSender sender_{{.allowPrivate = true}};
  std::string user_ = crypto::uuidV4();
};

// A 2xx: delivered once, recorded with its status, and the request carries the Standard Webhooks headers signed over
// exactly the body received, and the event.
TEST_F(DeliveryIntegrationTest, TwoHundredIsDeliveredWithStandardWebhooksHeaders) {
  LoopbackReceiver rx;
  const auto hook = addWebhook(rx.url(), user_);
  const auto event = addEvent(user_, events::type::kKeyCreated);
  auto w = worker(*store_, sender_);
  w->start();
  ASSERT_TRUE(eventually([&] { return row(event, hook).state == "delivered"; }, 10s)) << row(event, hook).lastError;
  w->stop();

  const Row r = row(event, hook);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.lastStatus, 200);
  EXPECT_EQ(r.lastError, "");
  EXPECT_TRUE(r.attempted);
  EXPECT_EQ(w->delivered(), 1u);
  const auto got = rx.requests();
  ASSERT_EQ(got.size(), 1u);
  const auto& req = got[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("user-agent"), "authd-webhooks/1");
  EXPECT_EQ(req.header("webhook-id"), event);
  const int64_t ts = std::stoll(req.header("webhook-timestamp"));
  EXPECT_NEAR(static_cast<double>(ts), static_cast<double>(toUnixSeconds(clock_.now())), 30);
  const auto key = events::webhookSecretKey(kSecret);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(req.header("webhook-signature"), events::signWebhook(*key, event, ts, req.body));
  const auto body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["type"], "key.created");
  EXPECT_EQ(body["data"]["id"], event);
  EXPECT_EQ(body["data"]["clientAddress"], "203.0.113.5");
  EXPECT_EQ(body["data"]["actor"]["id"], user_);
}

// 500, then 200: the first attempt is recorded with its status and a retry after the backoff, the second delivers
// under the same webhook-id.
TEST_F(DeliveryIntegrationTest, ServerErrorIsRetriedThenDelivered) {
  std::atomic<int> answered{0};
  LoopbackReceiver rx([&](const ReceivedRequest&) { return ReceiverAnswer{.status = answered++ == 0 ? 500 : 200}; });
  const auto hook = addWebhook(rx.url(), user_);
  const auto event = addEvent(user_);
  auto w = worker(*store_, sender_, {.backoff = {.first = 700ms}});
  ASSERT_EQ(w->tick(), 1u);
  Row r = row(event, hook);
  EXPECT_EQ(r.state, "pending");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.lastStatus, 500);
  EXPECT_EQ(r.lastError, "status 500");
  EXPECT_NEAR(r.dueInSeconds, 0.7, 0.3);
  EXPECT_EQ(w->tick(), 0u);  // not due yet
  ASSERT_TRUE(eventually([&] { return w->tick().value_or(0) == 1; }, 5s));
  r = row(event, hook);
  EXPECT_EQ(r.state, "delivered");
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.lastStatus, 200);
  EXPECT_EQ(r.lastError, "");
  const auto got = rx.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].header("webhook-id"), got[1].header("webhook-id"));
  EXPECT_EQ(w->failedAttempts(), 1u);
  EXPECT_EQ(w->delivered(), 1u);
}

// Two instances' workers, each with its own pool, on the same rows: every (event, endpoint) arrives exactly once.
TEST_F(DeliveryIntegrationTest, TwoWorkersDeliverEachRowExactlyOnce) {
  LoopbackReceiver rx([](const ReceivedRequest&) { return ReceiverAnswer{.status = 200, .delay = 5ms}; });
  const auto a = addWebhook(rx.url("/a"), user_);
  const auto b = addWebhook(rx.url("/b"), user_);
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) addEvent(user_);
  auto pgA = pool(5), pgB = pool(5);
  store::pg::PgDeliveryStore storeA(*pgA), storeB(*pgB);
  delivery::CurlSender senderB({.allowPrivate = true});
  auto w1 = worker(storeA, sender_, {.concurrency = 4});
  auto w2 = worker(storeB, senderB, {.concurrency = 4});
  w1->start();
  w2->start();
  ASSERT_TRUE(eventually([&] { return countState("delivered") == 2 * kEvents; }, 30s)) << countState("delivered");
  std::this_thread::sleep_for(300ms);  // room for a duplicate to show
  w1->stop();
  w2->stop();
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const auto& r : rx.requests()) ++seen[{r.target, r.header("webhook-id")}];
  EXPECT_EQ(seen.size(), 2u * kEvents);
  for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k.first << " " << k.second;
  EXPECT_EQ(rx.requests().size(), 2u * kEvents);
  EXPECT_EQ(w1->delivered() + w2->delivered(), 2u * kEvents);
  (void)a;
  (void)b;
}

// An instance that claimed a row and died before recording it (kill -9): the row waits out the lease, then another
// worker delivers it, as attempt 2.
TEST_F(DeliveryIntegrationTest, ClaimedButUnrecordedRowIsDeliveredAfterTheLease) {
  LoopbackReceiver rx;
  const auto hook = addWebhook(rx.url(), user_);
  const auto event = addEvent(user_);
  {
    auto dead = pool(1);
    store::pg::PgDeliveryStore deadStore(*dead);
    const auto claimed = deadStore.claimDue(10, 1500ms);
    ASSERT_TRUE(claimed.has_value());
    ASSERT_EQ(claimed->size(), 1u);
    EXPECT_EQ((*claimed)[0].attempts, 1);
    EXPECT_EQ((*claimed)[0].event.id, event);
  }  // gone without a word
  auto w = worker(*store_, sender_);
  EXPECT_EQ(w->tick(), 0u);  // still leased
  Row r = row(event, hook);
  EXPECT_EQ(r.state, "pending");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_GT(r.dueInSeconds, 0.5);
  w->start();
  ASSERT_TRUE(eventually([&] { return row(event, hook).state == "delivered"; }, 10s));
  w->stop();
  r = row(event, hook);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(rx.requests().size(), 1u);
}

// A redirect is a failed attempt with its status; its target is never asked.
TEST_F(DeliveryIntegrationTest, RedirectIsAFailedAttemptAndNotFollowed) {
  LoopbackReceiver target;
  LoopbackReceiver rx([&](const ReceivedRequest&) {
    return ReceiverAnswer{.status = 302, .headers = {{"Location", target.url()}}};
  });
  const auto hook = addWebhook(rx.url(), user_);
  const auto event = addEvent(user_);
  auto w = worker(*store_, sender_);
  ASSERT_EQ(w->tick(), 1u);
  const Row r = row(event, hook);
  EXPECT_EQ(r.state, "pending");
  EXPECT_EQ(r.lastStatus, 302);
  EXPECT_EQ(r.lastError, "redirect not followed (status 302)");
  EXPECT_GT(r.dueInSeconds, 3.0);  // the 5 s backoff
  EXPECT_EQ(target.connections(), 0);
}

// A 1 MiB answer: the attempt is delivered on its status, without reading the body past the cap.
TEST_F(DeliveryIntegrationTest, HugeResponseBodyIsNotReadPastTheCap) {
  LoopbackReceiver rx([](const ReceivedRequest&) {
    return ReceiverAnswer{.status = 200, .body = std::string(1 << 20, 'x'), .contentLength = 1 << 20, .holdOpen = 3s};
  });
  const auto hook = addWebhook(rx.url(), user_);
  const auto event = addEvent(user_);
  auto w = worker(*store_, sender_, {.timeout = 2500ms});
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(w->tick(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);  // not waiting for the rest, nor the timeout
  EXPECT_EQ(row(event, hook).state, "delivered");
}

// Without WEBHOOK_ALLOW_PRIVATE the connection to 127.0.0.1 is refused at connect time: a failed attempt recorded
// as "address not allowed", and the receiver never sees a connection.
TEST_F(DeliveryIntegrationTest, LoopbackRefusedAtConnectWithoutAllowPrivate) {
  LoopbackReceiver rx;
  const auto hook = addWebhook(rx.url(), user_);
  const auto event = addEvent(user_);
  delivery::CurlSender strict({.allowPrivate = false});
  auto w = worker(*store_, strict);
  ASSERT_EQ(w->tick(), 1u);
  const Row r = row(event, hook);
  EXPECT_EQ(r.state, "pending");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.lastStatus, 0);
  EXPECT_EQ(r.lastError, "address not allowed");
  EXPECT_EQ(rx.connections(), 0);
}

// A deleted endpoint's pending rows are failed without a request; rows past WEBHOOK_RETRY_FOR fail on their next
// failed attempt.
TEST_F(DeliveryIntegrationTest, DeletedEndpointAndExpiredEventsAreFailed) {
  LoopbackReceiver rx([](const ReceivedRequest&) { return ReceiverAnswer{.status = 503}; });
  const auto gone = addWebhook(rx.url("/gone"), user_);
  const auto event = addEvent(user_);
  ASSERT_TRUE(execParam("UPDATE webhooks SET deleted_at = now() WHERE id = $1::uuid", gone));
  const auto live = addWebhook(rx.url("/live"), user_);
  const auto old = addEvent(user_);
  ASSERT_TRUE(execParam("UPDATE events SET at = now() - interval '2 hours' WHERE id = $1::uuid", old));
  auto w = worker(*store_, sender_, {.retryFor = 3600s});
  ASSERT_EQ(w->tick(), 2u);
  Row r = row(event, gone);
  EXPECT_EQ(r.state, "failed");
  EXPECT_EQ(r.lastError, "endpoint deleted");
  r = row(old, live);
  EXPECT_EQ(r.state, "failed");
  EXPECT_EQ(r.lastStatus, 503);
  const auto got = rx.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/live");
  EXPECT_EQ(w->failed(), 2u);
}

// The backlog sample: pending rows and the oldest one's age, from this schema's rows only.
TEST_F(DeliveryIntegrationTest, QueueStatsCountPendingRows) {
  LoopbackReceiver rx;
  addWebhook(rx.url(), user_);
  for (int i = 0; i < 3; ++i) addEvent(user_);
  ASSERT_TRUE(exec("UPDATE " + schema_ + ".webhook_deliveries SET created_at = now() - interval '90 seconds'"));
  auto w = worker(*store_, sender_);
  ASSERT_TRUE(w->sampleQueue().has_value());
  EXPECT_EQ(w->queueDepth(), 3);
  EXPECT_NEAR(w->oldestPendingSeconds(), 90, 5);
}

}  // namespace
}  // namespace authd::testing
