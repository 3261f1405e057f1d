// events/webhook_request: the POST /webhooks body ({url, events?}; unknown event types and fields named in one
// validation error) and the deliveries page size.
#include "events/webhook_request.hpp"

#include <gtest/gtest.h>

#include <string>

#include "events/event.hpp"

namespace authd::events {
namespace {

using nlohmann::json;

// Whether one of the error's messages mentions `text`.
bool mentions(const Error& e, std::string_view text) {
  for (const auto& d : e.details) {
    if (d.find(text) != std::string::npos) return true;
  }
  return e.message.find(text) != std::string::npos;
}

// A URL alone subscribes to every type (events empty); events are kept in order, without duplicates.
TEST(WebhookRequestTest, AcceptsUrlAndKnownTypes) {
  auto r = parseCreateWebhookRequest(json{{"url", "https://h.example/"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->url, "https://h.example/");
  EXPECT_TRUE(r->events.empty());
  r = parseCreateWebhookRequest(json{{"url", "https://h.example/"}, {"events", nullptr}});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->events.empty());
  r = parseCreateWebhookRequest(
      json{{"url", "u"}, {"events", {"key.revoked", "key.created", "key.revoked", "webhook.deleted"}}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, (std::vector<std::string>{"key.revoked", "key.created", "webhook.deleted"}));
  // Every subscribable type is accepted.
  json all = json::array();
  for (const auto t : subscribableTypes()) all.push_back(std::string(t));
  r = parseCreateWebhookRequest(json{{"url", "u"}, {"events", all}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events.size(), subscribableTypes().size());
}

// An unknown type (webhook.test included: it cannot be subscribed to), a non-string, a non-array, a missing url and an
// unknown field are each named in one validation_failed error.
TEST(WebhookRequestTest, NamesEveryProblem) {
  const auto r = parseCreateWebhookRequest(
      json{{"events", {"key.created", "key.exploded", 7, "webhook.test"}}, {"secret", "mine"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  EXPECT_TRUE(mentions(r.error(), "url must be a string"));
  EXPECT_TRUE(mentions(r.error(), "events[1] must be a known event type ('key.exploded'"));
  EXPECT_TRUE(mentions(r.error(), "events[2] must be a string"));
  EXPECT_TRUE(mentions(r.error(), "events[3] must be a known event type"));
  EXPECT_TRUE(mentions(r.error(), "property secret should not exist"));
  EXPECT_FALSE(mentions(r.error(), "events[0]"));

  const auto notArray = parseCreateWebhookRequest(json{{"url", "u"}, {"events", "key.created"}});
  ASSERT_FALSE(notArray.has_value());
  EXPECT_TRUE(mentions(notArray.error(), "events must be an array"));
  const auto notObject = parseCreateWebhookRequest(json::array({"https://h.example/"}));
  ASSERT_FALSE(notObject.has_value());
  EXPECT_EQ(notObject.error().code, Code::kValidationFailed);
  const auto urlNotString = parseCreateWebhookRequest(json{{"url", 42}});
  ASSERT_FALSE(urlNotString.has_value());
  EXPECT_TRUE(mentions(urlNotString.error(), "url must be a string"));
}

// ?limit=: 50 when absent, 1..100 otherwise; anything else is a validation error naming limit.
TEST(WebhookRequestTest, DeliveriesLimitIsBounded) {
  EXPECT_EQ(parseDeliveriesLimit(std::nullopt).value(), kDefaultDeliveriesLimit);
  EXPECT_EQ(parseDeliveriesLimit("1").value(), 1);
  EXPECT_EQ(parseDeliveriesLimit("100").value(), 100);
  for (const char* bad : {"", "0", "101", "-1", "ten", "5x", "1e2", "99999999999999999999"}) {
    const auto r = parseDeliveriesLimit(std::string_view(bad));
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Code::kValidationFailed);
    EXPECT_TRUE(mentions(r.error(), "limit")) << bad;
  }
}

}  // namespace
}  // namespace authd::events
