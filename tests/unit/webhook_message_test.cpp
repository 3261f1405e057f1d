// What a webhook attempt carries: the Standard Webhooks body {type, timestamp, data} and headers, signed as the
// specification's example is.
#include "events/webhook_message.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

#include "core/time_format.hpp"
#include "events/signature.hpp"

namespace authd::events {
namespace {

Event sample() {
  Event e = make(type::kKeyCreated, "6f1c1f2e-0000-4000-8000-000000000001",
                 Context::user("6f1c1f2e-0000-4000-8000-000000000001", {"203.0.113.7", "curl/8"}), "key",
                 "6f1c1f2e-0000-4000-8000-0000000000aa", R"({"name":"ci"})");
  e.id = "0b0a7e0e-1111-4000-8000-000000000042";
  e.seq = 7;
  e.at = SysTime(std::chrono::milliseconds(1'750'000'000'123));
  return e;
}

// The body: the type, the event's time in RFC 3339 and the event as GET /audit shows it under `data`.
TEST(WebhookMessageTest, BodyIsTypeTimestampAndTheEvent) {
  const Event e = sample();
  const auto body = nlohmann::json::parse(webhookBody(e));
  EXPECT_EQ(body.size(), 3u);
  EXPECT_EQ(body["type"], "key.created");
  EXPECT_EQ(body["timestamp"], "2025-06-15T15:06:40.123Z");
  EXPECT_EQ(body["timestamp"], formatIso8601(e.at));
  EXPECT_EQ(body["data"], nlohmann::json::parse(toJson(e)));
  EXPECT_EQ(body["data"]["id"], e.id);
  EXPECT_EQ(body["data"]["data"]["name"], "ci");
}

// The headers: JSON, authd's User-Agent, the event id as webhook-id, the attempt's unix seconds, and the signature
// of the specification's example (the same key, id, timestamp and payload give its published value).
TEST(WebhookMessageTest, HeadersFollowTheStandardWebhooksExample) {
  const auto key = webhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.has_value());
  const auto list = webhookHeaders(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  const std::map<std::string, std::string> h(list.begin(), list.end());
  EXPECT_EQ(h.size(), list.size());  // each once
  EXPECT_EQ(h.at("Content-Type"), "application/json");
  EXPECT_EQ(h.at("User-Agent"), "authd-webhooks/1");
  EXPECT_EQ(h.at("webhook-id"), "msg_p5jXN8AQM9LWM0D4loKWxJek");
  EXPECT_EQ(h.at("webhook-timestamp"), "1614265330");
  EXPECT_EQ(h.at("webhook-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Without the prefix, the operator's secret gives the same key.
  EXPECT_EQ(webhookSecretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), key);
}

}  // namespace
}  // namespace authd::events
