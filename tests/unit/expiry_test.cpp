// The expiry notices' names and events: key.expiring with {threshold, expiresAt}
// for 7d and 1d, key.expired with {expiresAt}, written by the system about the
// key, in its owner's log.
#include "events/expiry.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/time_format.hpp"

namespace authd::events {
namespace {

// The names are key_expiry_notices' CHECK values and parse back.
TEST(Expiry, ThresholdNamesRoundTrip) {
  EXPECT_EQ(thresholdName(ExpiryThreshold::kSevenDays), "7d");
  EXPECT_EQ(thresholdName(ExpiryThreshold::kOneDay), "1d");
  EXPECT_EQ(thresholdName(ExpiryThreshold::kExpired), "expired");
  for (const auto t : {ExpiryThreshold::kSevenDays, ExpiryThreshold::kOneDay, ExpiryThreshold::kExpired}) {
    EXPECT_EQ(parseThreshold(thresholdName(t)), t);
  }
  EXPECT_FALSE(parseThreshold("7D").has_value());
  EXPECT_FALSE(parseThreshold("").has_value());
}

// A 7d notice: key.expiring, system actor, the key as target, the owner's log, {threshold, expiresAt}.
TEST(Expiry, ExpiringEventCarriesThresholdAndExpiry) {
  const SysTime at = parseIso8601("2026-03-17T12:00:00.250Z").value();
  const Event e = expiryEvent(ExpiryThreshold::kSevenDays, "owner-id", "key-id", at);
  EXPECT_EQ(e.type, type::kKeyExpiring);
  EXPECT_EQ(e.userId, "owner-id");
  EXPECT_EQ(e.actor.kind, ActorKind::kSystem);
  EXPECT_TRUE(e.actor.id.empty());
  EXPECT_EQ(e.targetType, "key");
  EXPECT_EQ(e.targetId, "key-id");
  EXPECT_TRUE(e.origin.clientAddress.empty());
  EXPECT_EQ(nlohmann::json::parse(e.data),
            (nlohmann::json{{"threshold", "7d"}, {"expiresAt", "2026-03-17T12:00:00.250Z"}}));
  const Event d = expiryEvent(ExpiryThreshold::kOneDay, "owner-id", "key-id", at);
  EXPECT_EQ(nlohmann::json::parse(d.data).at("threshold"), "1d");
}

// Past expiry: key.expired with the expiry only.
TEST(Expiry, ExpiredEventCarriesTheExpiryOnly) {
  const SysTime at = parseIso8601("2026-03-17T12:00:00Z").value();
  const Event e = expiryEvent(ExpiryThreshold::kExpired, "owner-id", "key-id", at);
  EXPECT_EQ(e.type, type::kKeyExpired);
  EXPECT_EQ(nlohmann::json::parse(e.data), (nlohmann::json{{"expiresAt", "2026-03-17T12:00:00.000Z"}}));
  // As GET /audit renders it.
  const auto j = nlohmann::json::parse(toJson(e));
  EXPECT_EQ(j.at("actor"), (nlohmann::json{{"type", "system"}, {"id", nullptr}}));
  EXPECT_EQ(j.at("target"), (nlohmann::json{{"type", "key"}, {"id", "key-id"}}));
}

}  // namespace
}  // namespace authd::events
