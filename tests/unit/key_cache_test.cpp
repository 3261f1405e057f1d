#include "verify/key_cache.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "support/fakes/fake_key_stores.hpp"

namespace authd::verify {
namespace {

using testing::FakeKeyLookup;
using testing::FakeL2;

keys::KeyRecord record(const std::string& id) {
  keys::KeyRecord r;
  r.id = id;
  r.userId = "user-1";
  return r;
}

class KeyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store.byHash[known] = record("key-known");
    ASSERT_TRUE(cache.loadFilter([this](const std::function<void(uint64_t)>& emit) -> Status {
      for (const auto& [hash, r] : store.byHash) emit(KeyFilter::prefixOf(hash));
      return {};
    }));
  }

  const std::string known = crypto::sha256Hex("known key");
  const std::string unknown = crypto::sha256Hex("a guess");
  FakeClock clock;
  FakeKeyLookup store;
  FakeL2 l2;
  KeyCache cache{store, l2, clock, KeyCacheOptions{}, [] { return true; }};
};

TEST_F(KeyCacheTest, KnownKeyIsLookedUpOnceThenServedFromL1) {
  auto first = cache.lookup(known);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->info);
  EXPECT_EQ(first->info->id, "key-known");
  EXPECT_EQ(first->tier, KeyTier::kDatabase);
  auto second = cache.lookup(known);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->tier, KeyTier::kL1);
  EXPECT_EQ(store.lookups, 1);
}

// A guess never reaches PostgreSQL; Redis is asked once, then the answer is remembered.
TEST_F(KeyCacheTest, UnknownKeyAsksRedisOnceAndNeverPostgres) {
  for (int i = 0; i < 3; ++i) {
    auto r = cache.lookup(unknown);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->info);
    EXPECT_EQ(r->tier, KeyTier::kFilter);
  }
  EXPECT_EQ(l2.gets, 1);
  EXPECT_EQ(store.lookups, 0);
}

// Created on another instance a moment ago: not yet in this filter, but in Redis.
TEST_F(KeyCacheTest, FilterMissFindsAKeyAnotherInstancePutInRedis) {
  auto info = std::make_shared<KeyInfo>();
  info->id = "key-new";
  info->userId = "user-1";
  l2.entries[unknown] = info;
  auto r = cache.lookup(unknown);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->info);
  EXPECT_EQ(r->info->id, "key-new");
  EXPECT_TRUE(cache.filter().mayContain(KeyFilter::prefixOf(unknown)));
}

// A remembered "absent" is forgotten when the key's creation is announced.
TEST_F(KeyCacheTest, CreationEvictsARememberedAbsence) {
  ASSERT_FALSE(cache.lookup(unknown)->info);
  store.byHash[unknown] = record("key-created");
  cache.onChange(Change{ChangeKind::kKeyCreated, unknown});
  auto r = cache.lookup(unknown);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->info);
  EXPECT_EQ(r->info->id, "key-created");
}

// The announcement lands while the Redis GET of the same key is in flight: the "absent"
// answer for that request must not be remembered past it (it is not consulted once the
// filter knows the key).
TEST_F(KeyCacheTest, AnnouncementDuringTheRedisRoundTripIsNotOverwritten) {
  l2.duringGet = [this] {
    store.byHash[unknown] = record("key-raced");
    cache.onChange(Change{ChangeKind::kKeyCreated, unknown});
  };
  auto first = cache.lookup(unknown);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->info);  // this request saw neither the filter entry nor Redis
  auto second = cache.lookup(unknown);
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->info);
  EXPECT_EQ(second->info->id, "key-raced");
}

}  // namespace
}  // namespace authd::verify
