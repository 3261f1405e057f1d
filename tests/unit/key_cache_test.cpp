#include "verify/key_cache.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

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

// The key's row at `version` with `scopes`, as PostgreSQL would answer it.
keys::KeyRecord versioned(const std::string& id, int64_t version, std::vector<std::string> scopes) {
  keys::KeyRecord r = record(id);
  r.version = version;
  r.scopes = std::move(scopes);
  return r;
}

// A change of `hash` announced with `version`; `remote`: heard over pub/sub (Redis left to its originator).
Change keyChanged(const std::string& hash, int64_t version, bool remote = false) {
  Change c{ChangeKind::kKeyChanged, hash};
  c.version = version;
  c.remote = remote;
  return c;
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

// A change lands while PostgreSQL's answer (the old row) is on its way: that request may use the old copy, but it
// is cached nowhere; the next lookup reads again and sees the new scopes.
TEST_F(KeyCacheTest, ChangeDuringTheStoreReadDoesNotCacheTheOldCopy) {
  store.byHash[known] = versioned("key-known", 1, {"read"});
  store.afterRead = [this] {
    store.byHash[known] = versioned("key-known", 2, {"admin"});
    cache.onChange(keyChanged(known, 2));
  };
  auto first = cache.lookup(known);
  ASSERT_TRUE(first && first->info);
  EXPECT_EQ(first->info->scopes, std::vector<std::string>{"read"});
  EXPECT_FALSE(l2.entries.contains(known));  // not put back into Redis either

  auto second = cache.lookup(known);
  ASSERT_TRUE(second && second->info);
  EXPECT_EQ(second->tier, KeyTier::kDatabase);
  EXPECT_EQ(second->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(store.lookups, 2);
  auto third = cache.lookup(known);
  ASSERT_TRUE(third && third->info);
  EXPECT_EQ(third->tier, KeyTier::kL1);
  EXPECT_EQ(third->info->scopes, std::vector<std::string>{"admin"});
}

// A change lands while Redis's answer (an old copy) is on its way: the copy is not used or cached; PostgreSQL is
// asked and its new row cached.
TEST_F(KeyCacheTest, ChangeDuringTheRedisReadDoesNotCacheTheOldCopy) {
  l2.entries[known] = toKeyInfo(versioned("key-known", 1, {"read"}));
  store.byHash[known] = versioned("key-known", 2, {"admin"});
  l2.afterRead = [this] { cache.onChange(keyChanged(known, 2, /*remote=*/true)); };
  auto first = cache.lookup(known);
  ASSERT_TRUE(first && first->info);
  EXPECT_EQ(first->tier, KeyTier::kDatabase);
  EXPECT_EQ(first->info->scopes, std::vector<std::string>{"admin"});
  auto second = cache.lookup(known);
  ASSERT_TRUE(second && second->info);
  EXPECT_EQ(second->tier, KeyTier::kL1);
  EXPECT_EQ(second->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(store.lookups, 1);
}

// Redis still holds a copy older than a change heard (another instance put it back): it is skipped, the store asked.
TEST_F(KeyCacheTest, RedisCopyOlderThanAHeardChangeIsSkipped) {
  store.byHash[known] = versioned("key-known", 5, {"admin"});
  cache.onChange(keyChanged(known, 5, /*remote=*/true));
  l2.entries[known] = toKeyInfo(versioned("key-known", 4, {"read"}));
  auto r = cache.lookup(known);
  ASSERT_TRUE(r && r->info);
  EXPECT_EQ(r->tier, KeyTier::kDatabase);
  EXPECT_EQ(r->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(store.lookups, 1);
  EXPECT_EQ(l2.entries.at(known)->version, 5);  // and Redis now has the new copy
}

// A Redis copy as new as the change heard is used as usual.
TEST_F(KeyCacheTest, RedisCopyAsNewAsTheChangeIsUsed) {
  cache.onChange(keyChanged(known, 5, /*remote=*/true));
  l2.entries[known] = toKeyInfo(versioned("key-known", 5, {"admin"}));
  auto r = cache.lookup(known);
  ASSERT_TRUE(r && r->info);
  EXPECT_EQ(r->tier, KeyTier::kL2);
  EXPECT_EQ(r->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(store.lookups, 0);
}

// An older version heard after a newer one does not lower the bar.
TEST_F(KeyCacheTest, AnOlderChangeDoesNotLowerTheVersionHeard) {
  cache.onChange(keyChanged(known, 5, /*remote=*/true));
  cache.onChange(keyChanged(known, 3, /*remote=*/true));
  l2.entries[known] = toKeyInfo(versioned("key-known", 4, {"read"}));
  store.byHash[known] = versioned("key-known", 5, {"admin"});
  auto r = cache.lookup(known);
  ASSERT_TRUE(r && r->info);
  EXPECT_EQ(r->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(store.lookups, 1);
}

// A remote change without a version (an older publisher) evicts L1 only, as before: the Redis copy is served.
TEST_F(KeyCacheTest, RemoteChangeWithoutVersionBehavesAsBefore) {
  ASSERT_TRUE(cache.lookup(known));  // v0 in L1 and Redis
  store.byHash[known] = versioned("key-known", 0, {"admin"});
  l2.entries[known] = toKeyInfo(versioned("key-known", 0, {"write"}));  // the originator's fresh copy
  cache.onChange(keyChanged(known, 0, /*remote=*/true));
  auto r = cache.lookup(known);
  ASSERT_TRUE(r && r->info);
  EXPECT_EQ(r->tier, KeyTier::kL2);
  EXPECT_EQ(r->info->scopes, std::vector<std::string>{"write"});
  EXPECT_EQ(store.lookups, 1);
}

// A local change without a version evicts L1 and Redis: the store is asked again.
TEST_F(KeyCacheTest, LocalChangeWithoutVersionEvictsBothTiers) {
  ASSERT_TRUE(cache.lookup(known));
  store.byHash[known] = versioned("key-known", 0, {"admin"});
  cache.onChange(keyChanged(known, 0));
  EXPECT_FALSE(l2.entries.contains(known));
  auto r = cache.lookup(known);
  ASSERT_TRUE(r && r->info);
  EXPECT_EQ(r->tier, KeyTier::kDatabase);
  EXPECT_EQ(r->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(store.lookups, 2);
}

// A key this filter does not know yet (created elsewhere) is changed while Redis's old copy is on its way: the key
// exists, so the answer is PostgreSQL's new row, not "no such key".
TEST_F(KeyCacheTest, ChangeDuringAFilterMissReadsTheStore) {
  l2.entries[unknown] = toKeyInfo(versioned("key-elsewhere", 1, {"read"}));
  store.byHash[unknown] = versioned("key-elsewhere", 2, {"admin"});
  l2.afterRead = [this] { cache.onChange(keyChanged(unknown, 2, /*remote=*/true)); };
  auto r = cache.lookup(unknown);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->info);
  EXPECT_EQ(r->tier, KeyTier::kDatabase);
  EXPECT_EQ(r->info->scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(l2.gets, 1);  // one Redis round trip, not two
}

}  // namespace
}  // namespace authd::verify
