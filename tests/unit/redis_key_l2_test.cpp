// The key cache's Redis record: what a verification needs survives the round
// trip, a disabled key above all (Redis answering "enabled" would let it verify),
// and records written before the lifecycle fields read as enabled, version 0.
#include "store/redis/redis_key_l2.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authd::store::redis {
namespace {

verify::KeyInfo sample() {
  verify::KeyInfo k;
  k.id = "00000000-0000-4000-8000-000000000001";
  k.userId = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
  k.scopes = {"read", "write"};
  k.scopesHeader = "read,write";
  k.rateLimit = keys::RateLimit{100, 60};
  k.expiresAtMs = 1'900'000'000'000;
  k.version = 1'764'000'000'123'456;
  return k;
}

// Every field a verification reads comes back as it went in, the row version included.
TEST(RedisKeyL2Codec, RoundTripsEveryField) {
  const auto back = decodeKeyInfo(encodeKeyInfo(sample()));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, sample().id);
  EXPECT_EQ(back->userId, sample().userId);
  EXPECT_EQ(back->scopes, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(back->scopesHeader, "read,write");
  ASSERT_TRUE(back->rateLimit);
  EXPECT_EQ(back->rateLimit->limit, 100);
  EXPECT_EQ(back->rateLimit->windowSeconds, 60);
  EXPECT_EQ(back->expiresAtMs, 1'900'000'000'000);
  EXPECT_TRUE(back->isActive);
  EXPECT_TRUE(back->enabled);
  EXPECT_EQ(back->version, 1'764'000'000'123'456);
}

// A disabled key stays disabled through Redis, and a revoked one revoked.
TEST(RedisKeyL2Codec, DisabledAndRevokedSurvive) {
  verify::KeyInfo k = sample();
  k.enabled = false;
  k.isActive = false;
  const auto back = decodeKeyInfo(encodeKeyInfo(k));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->enabled);
  EXPECT_FALSE(back->isActive);
}

// A record cached before the lifecycle fields existed reads as enabled, version 0 (older than any change heard).
TEST(RedisKeyL2Codec, RecordWithoutLifecycleFieldsIsEnabledVersionZero) {
  const auto back = decodeKeyInfo(R"({"id":"k","u":"u","s":["read"],"a":true,"e":-1})");
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->enabled);
  EXPECT_EQ(back->version, 0);
  EXPECT_EQ(back->expiresAtMs, -1);
  EXPECT_FALSE(back->rateLimit);
}

// Credits with a refill, their grant's version and period come back as they went in (the admission seeds
// Redis from them: a lost field would turn a limited key into an unlimited one).
TEST(RedisKeyL2Codec, RoundTripsCreditsWithRefill) {
  verify::KeyInfo k = sample();
  k.credits = keys::Credits{42, keys::CreditRefill{1000, keys::RefillInterval::kMonth}};
  k.creditsVersion = 1'764'000'000'654'321;
  k.creditsPeriod = 1'764'547'200;
  const auto back = decodeKeyInfo(encodeKeyInfo(k));
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->credits);
  EXPECT_EQ(back->credits->remaining, 42);
  ASSERT_TRUE(back->credits->refill);
  EXPECT_EQ(back->credits->refill->amount, 1000);
  EXPECT_EQ(back->credits->refill->interval, keys::RefillInterval::kMonth);
  EXPECT_EQ(back->creditsVersion, 1'764'000'000'654'321);
  EXPECT_EQ(back->creditsPeriod, 1'764'547'200);
}

// Credits without a refill (zero remaining included) stay without one; a key without credits stays unlimited.
TEST(RedisKeyL2Codec, RoundTripsCreditsWithoutRefillAndUnlimited) {
  verify::KeyInfo k = sample();
  k.credits = keys::Credits{0, std::nullopt};
  k.creditsVersion = 7;
  const auto back = decodeKeyInfo(encodeKeyInfo(k));
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->credits);
  EXPECT_EQ(back->credits->remaining, 0);
  EXPECT_FALSE(back->credits->refill);
  EXPECT_EQ(back->creditsVersion, 7);
  EXPECT_EQ(back->creditsPeriod, 0);

  const auto unlimited = decodeKeyInfo(encodeKeyInfo(sample()));
  ASSERT_TRUE(unlimited);
  EXPECT_FALSE(unlimited->credits);
  EXPECT_EQ(unlimited->creditsVersion, 0);
}

// Unreadable records decode to nothing (treated as not cached), never to a half-filled key.
TEST(RedisKeyL2Codec, UnreadableRecordsAreNothing) {
  for (const char* text : {"", "none", "{", R"({"id":"k"})", R"({"id":"k","u":"u","s":"read","a":true,"e":-1})",
                           R"({"id":"k","u":"u","s":[],"a":true,"e":-1,"c":[5,10,"week"],"cv":1,"cp":0})",
                           R"({"id":"k","u":"u","s":[],"a":true,"e":-1,"c":[5],"cp":0})",
                           R"({"id":"k","u":"u","s":[],"a":true,"e":-1,"c":"5","cv":1,"cp":0})"}) {
    EXPECT_FALSE(decodeKeyInfo(text)) << text;
  }
}

}  // namespace
}  // namespace authd::store::redis
