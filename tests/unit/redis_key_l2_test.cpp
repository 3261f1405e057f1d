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

// Unreadable records decode to nothing (treated as not cached), never to a half-filled key.
TEST(RedisKeyL2Codec, UnreadableRecordsAreNothing) {
  for (const char* text : {"", "none", "{", R"({"id":"k"})", R"({"id":"k","u":"u","s":"read","a":true,"e":-1})"}) {
    EXPECT_FALSE(decodeKeyInfo(text)) << text;
  }
}

}  // namespace
}  // namespace authd::store::redis
