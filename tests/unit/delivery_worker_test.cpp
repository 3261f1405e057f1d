// The delivery worker against a fake store and a fake sender: what it sends (signed Standard Webhooks headers),
// what it records for each outcome (delivered, retry after backoff, failed after the deadline, endpoint deleted),
// what it leaves to the lease (a cancelled send, a lost record), and its threads (bounded concurrency, surviving a
// store outage, stopping promptly with a send in flight).
#include "events/delivery_worker.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "events/signature.hpp"
#include "events/webhook_message.hpp"
#include "support/eventually.hpp"
#include "support/fakes/fake_deliveries.hpp"

namespace authd::events {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeDeliveryStore;
using testing::FakeWebhookSender;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  DueDelivery due(int64_t id, int attempts = 1) {
    DueDelivery d;
    d.id = id;
    d.attempts = attempts;
    d.webhookId = "9d7f0000-0000-4000-8000-00000000000" + std::to_string(id % 10);
    d.url = "https://hooks.example.com/in";
    d.sealedSecret = box_.seal(kSecret, d.webhookId);
    d.event = make(type::kUserLogin, "u1", Context::user("u1"), "user", "u1");
    d.event.id = "e0000000-0000-4000-8000-00000000000" + std::to_string(id % 10);
    d.event.at = clock_.now() - 10s;
    return d;
  }
  DeliveryWorker worker(DeliveryWorkerOptions o = {}) {
    return DeliveryWorker(store_, sender_, box_, clock_, o, [] { return 0.5; });
  }
  std::map<std::string, std::string> headersOf(const WebhookRequest& r) { return {r.headers.begin(), r.headers.end()}; }

  FakeClock clock_;
  SecretBox box_{"delivery worker test key material"};
  FakeDeliveryStore store_;
  FakeWebhookSender sender_;
};

// A 2xx answer: the request is the signed Standard Webhooks POST of the event, and the row is recorded delivered.
TEST_F(DeliveryWorkerTest, DeliveredOnTwoHundredWithSignedHeaders) {
  auto w = worker({.timeout = 1500ms});
  store_.add(due(1));
  sender_.setAnswer([](const WebhookRequest&) { return SendOutcome{.status = 204}; });
  ASSERT_EQ(w.tick(), 1u);

  const auto sent = sender_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "https://hooks.example.com/in");
  EXPECT_EQ(sent[0].timeout, 1500ms);
  const auto h = headersOf(sent[0]);
  EXPECT_EQ(h.at("Content-Type"), "application/json");
  EXPECT_EQ(h.at("User-Agent"), "authd-webhooks/1");
  EXPECT_EQ(h.at("webhook-id"), "e0000000-0000-4000-8000-000000000001");
  EXPECT_EQ(h.at("webhook-timestamp"), std::to_string(toUnixSeconds(clock_.now())));
  const auto key = webhookSecretKey(kSecret);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(h.at("webhook-signature"),
            signWebhook(*key, h.at("webhook-id"), toUnixSeconds(clock_.now()), sent[0].body));
  EXPECT_EQ(nlohmann::json::parse(sent[0].body)["type"], "user.login");

  const auto records = store_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id, 1);
  EXPECT_EQ(records[0].attempts, 1);
  EXPECT_EQ(records[0].result, AttemptResult::kDelivered);
  EXPECT_EQ(records[0].status, 204);
  EXPECT_EQ(records[0].error, "");
  EXPECT_EQ(w.delivered(), 1u);
  EXPECT_EQ(w.failedAttempts(), 0u);
}

// A 500 is a failed attempt: retried after the backoff for its attempt count (jitter fixed at none here).
TEST_F(DeliveryWorkerTest, RetryScheduledWithBackoffOnServerError) {
  auto w = worker();
  store_.add(due(1, 1));
  store_.add(due(2, 4));
  sender_.setAnswer([](const WebhookRequest&) { return SendOutcome{.status = 500}; });
  ASSERT_EQ(w.tick(), 2u);
  const auto records = store_.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].result, AttemptResult::kRetry);
  EXPECT_EQ(records[0].status, 500);
  EXPECT_EQ(records[0].error, "status 500");
  EXPECT_EQ(records[0].retryIn, 5s);
  EXPECT_EQ(records[1].retryIn, 40s);
  EXPECT_EQ(w.failedAttempts(), 2u);
  EXPECT_EQ(w.delivered(), 0u);
}

// No answer (timeout, connection refused, address refused) and a redirect are failed attempts too, with a short
// error; the redirect's status is kept.
TEST_F(DeliveryWorkerTest, ConnectionErrorsAndRedirectsAreFailedAttempts) {
  auto w = worker();
  store_.add(due(1));
  store_.add(due(2));
  store_.add(due(3));
  int n = 0;
  sender_.setAnswer([&n](const WebhookRequest&) {
    switch (n++) {
      case 0: return SendOutcome{.error = "timeout"};
      case 1: return SendOutcome{.error = kAddressNotAllowed};
      default: return SendOutcome{.status = 302};
    }
  });
  ASSERT_EQ(w.tick(), 3u);
  const auto records = store_.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].result, AttemptResult::kRetry);
  EXPECT_EQ(records[0].status, 0);
  EXPECT_EQ(records[0].error, "timeout");
  EXPECT_EQ(records[1].error, "address not allowed");
  EXPECT_EQ(records[2].result, AttemptResult::kRetry);
  EXPECT_EQ(records[2].status, 302);
  EXPECT_EQ(records[2].error, "redirect not followed (status 302)");
}

// Once the event is WEBHOOK_RETRY_FOR old, a failed attempt fails the delivery for good.
TEST_F(DeliveryWorkerTest, FailedAfterTheRetryDeadline) {
  auto w = worker({.retryFor = 3600s});
  auto old = due(1, 9);
  old.event.at = clock_.now() - 3600s;
  store_.add(old);
  auto young = due(2, 9);
  young.event.at = clock_.now() - 3599s;
  store_.add(young);
  sender_.setAnswer([](const WebhookRequest&) { return SendOutcome{.status = 503}; });
  ASSERT_EQ(w.tick(), 2u);
  const auto records = store_.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].result, AttemptResult::kFailed);
  EXPECT_EQ(records[0].status, 503);
  EXPECT_EQ(records[1].result, AttemptResult::kRetry);
  EXPECT_EQ(records[1].retryIn, 1s);  // the time left, not 8 h
  EXPECT_EQ(w.failed(), 1u);
  EXPECT_EQ(w.failedAttempts(), 1u);
}

// The rows of a deleted endpoint are failed without a request.
TEST_F(DeliveryWorkerTest, DeletedEndpointFailsWithoutSending) {
  auto w = worker();
  auto d = due(1);
  d.endpointDeleted = true;
  store_.add(d);
  ASSERT_EQ(w.tick(), 1u);
  EXPECT_TRUE(sender_.requests().empty());
  const auto records = store_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result, AttemptResult::kFailed);
  EXPECT_EQ(records[0].error, "endpoint deleted");
  EXPECT_EQ(w.failed(), 1u);
}

// A secret sealed for another endpoint (or under another key) does not open: nothing goes out unsigned, and the
// attempt is retried (the key may come back), its error naming no secret.
TEST_F(DeliveryWorkerTest, UnreadableSecretIsNotSentAndRetried) {
  auto w = worker();
  auto d = due(1);
  d.sealedSecret = box_.seal(kSecret, "another-endpoint");
  store_.add(d);
  ASSERT_EQ(w.tick(), 1u);
  EXPECT_TRUE(sender_.requests().empty());
  const auto records = store_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result, AttemptResult::kRetry);
  EXPECT_EQ(records[0].error.find("whsec_"), std::string::npos);
  EXPECT_FALSE(records[0].error.empty());
}

// A cancelled send records nothing (its lease brings it back); a record that finds a later claim on the row, or
// fails, is not counted.
TEST_F(DeliveryWorkerTest, CancelledSendsAndLostLeasesAreLeftToTheLease) {
  auto w = worker();
  store_.add(due(1));
  sender_.setAnswer([](const WebhookRequest&) { return SendOutcome{.error = "cancelled", .cancelled = true}; });
  ASSERT_EQ(w.tick(), 1u);
  EXPECT_TRUE(store_.records().empty());

  sender_.setAnswer({});
  store_.loseLeases(true);
  store_.add(due(2));
  ASSERT_EQ(w.tick(), 1u);
  EXPECT_EQ(store_.records().size(), 1u);
  store_.loseLeases(false);
  store_.failRecords(true);
  store_.add(due(3));
  ASSERT_EQ(w.tick(), 1u);
  EXPECT_EQ(w.delivered(), 0u);
}

// A tick claims at most WEBHOOK_CONCURRENCY rows, with the lease of the timeout plus 5 s (or the one set).
TEST_F(DeliveryWorkerTest, ClaimsBoundedBatchesWithTheLease) {
  auto w = worker({.concurrency = 2, .timeout = 3000ms});
  for (int i = 1; i <= 5; ++i) store_.add(due(i));
  ASSERT_EQ(w.tick(), 2u);
  ASSERT_EQ(w.tick(), 2u);
  ASSERT_EQ(w.tick(), 1u);
  ASSERT_EQ(w.tick(), 0u);
  const auto claims = store_.claims();
  ASSERT_EQ(claims.size(), 4u);
  EXPECT_EQ(claims[0], std::make_pair(2, std::chrono::milliseconds(8000)));
  EXPECT_EQ(w.lease(), 8000ms);
  EXPECT_EQ(worker({.lease = 1234ms}).lease(), 1234ms);
  store_.failClaims(1);
  EXPECT_FALSE(w.tick().has_value());
}

// The threads: every row delivered once, never more than WEBHOOK_CONCURRENCY sends at a time, claims that fail
// (PostgreSQL down) retried without the worker dying, and the backlog sampled.
TEST_F(DeliveryWorkerTest, ThreadsDeliverEachRowOnceWithinTheConcurrency) {
  store_.failClaims(3);
  store_.setStats({.pending = 17, .oldestPendingSeconds = 2.5});
  for (int i = 1; i <= 30; ++i) store_.add(due(i));
  sender_.setAnswer([](const WebhookRequest&) {
    std::this_thread::sleep_for(5ms);
    return SendOutcome{.status = 200};
  });
  SystemClock real;
  DeliveryWorker w(store_, sender_, box_, real, {.concurrency = 3, .poll = 10ms}, [] { return 0.5; });
  w.start();
  ASSERT_TRUE(eventually([&] { return w.delivered() == 30; }, 10s)) << w.delivered();
  w.stop();
  std::set<int64_t> ids;
  for (const auto& r : store_.records()) EXPECT_TRUE(ids.insert(r.id).second) << "recorded twice: " << r.id;
  EXPECT_EQ(ids.size(), 30u);
  EXPECT_LE(sender_.maxInFlight(), 3);
  EXPECT_GE(sender_.maxInFlight(), 2);
  EXPECT_GE(store_.statsCalls(), 1);
  EXPECT_EQ(w.queueDepth(), 17);
  EXPECT_EQ(w.oldestPendingSeconds(), 2.5);
}

// stop() does not wait for a send in flight to time out: it is cancelled, and left unrecorded to its lease.
TEST_F(DeliveryWorkerTest, StopsPromptlyWithASendInFlight) {
  sender_.hold(true);
  store_.add(due(1));
  SystemClock real;
  DeliveryWorker w(store_, sender_, box_, real, {.concurrency = 2, .poll = 10ms});
  w.start();
  ASSERT_TRUE(eventually([&] { return sender_.inFlight() == 1; }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  w.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(store_.records().empty());
  w.stop();  // idempotent
}

}  // namespace
}  // namespace authd::events
