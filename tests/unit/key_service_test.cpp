// KeyService: a created key is stored only by hash and announced; revoking
// checks the id's shape, hides other users' keys, and announces the change.
#include "keys/key_service.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/fakes/fake_key_repository.hpp"
#include "support/fakes/fake_windowed_counter.hpp"

namespace authd::keys {
namespace {

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kBob = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";

class KeyServiceTest : public ::testing::Test {
 protected:
  CreatedKey create(std::string_view user = kAnn) {
    auto k = service_.create(
        user, CreateKeyRequest{.name = "ci", .expiresAt = {}, .scopes = {"read"}, .rateLimit = {}, .metadata = {}});
    EXPECT_TRUE(k.has_value());
    return k ? *k : CreatedKey{};
  }
  testing::FakeKeyRepository repo_;
  testing::RecordingKeyEvents events_;
  FakeClock clock_;
  testing::FakeWindowedCounter counter_{clock_};
  KeyService service_{repo_, events_, counter_};
};

// The key is returned once, well-formed; only its hash and display prefix are stored, and its creation is announced.
TEST_F(KeyServiceTest, CreateStoresTheHashAndAnnounces) {
  const CreatedKey k = create();
  EXPECT_TRUE(isWellFormedKey(k.key));
  const auto& row = repo_.rows.at(k.record.id);
  EXPECT_EQ(row.hash, crypto::sha256Hex(k.key));
  EXPECT_EQ(row.record.prefix, displayPrefix(k.key));
  EXPECT_EQ(events_.createdHashes, std::vector<std::string>{row.hash});
  EXPECT_EQ(events_.createdIds, std::vector<std::string>{k.record.id});
}

// New keys, created or rotated, are named by the prefix the service was built with (API_KEY_PREFIX), and the
// display prefix follows.
TEST(KeyServicePrefixTest, CreateAndRotateUseTheConfiguredPrefix) {
  testing::FakeKeyRepository repo;
  testing::RecordingKeyEvents events;
  FakeClock clock;
  testing::FakeWindowedCounter counter{clock};
  KeyService service(repo, events, counter, {}, "acme_");
  auto k = service.create(kAnn, CreateKeyRequest{.name = "ci", .expiresAt = {}, .scopes = {}, .rateLimit = {}});
  ASSERT_TRUE(k.has_value());
  EXPECT_TRUE(k->key.starts_with("acme_")) << k->key;
  EXPECT_TRUE(isWellFormedKey(k->key)) << k->key;
  EXPECT_EQ(k->record.prefix, k->key.substr(0, 13));
  auto r = service.rotate(kAnn, k->record.id, std::chrono::seconds(60));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->key.starts_with("acme_")) << r->key;
  EXPECT_TRUE(isWellFormedKey(r->key)) << r->key;
  EXPECT_EQ(r->record.prefix, r->key.substr(0, 13));
}

// A store outage at creation is the store's error, and nothing is announced.
TEST_F(KeyServiceTest, CreateOutageAnnouncesNothing) {
  repo_.down = true;
  auto k = service_.create(
      kAnn, CreateKeyRequest{.name = "ci", .expiresAt = {}, .scopes = {}, .rateLimit = {}, .metadata = {}});
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().code, Code::kDatabaseUnavailable);
  EXPECT_TRUE(events_.createdHashes.empty());
}

// Revoking announces the key's hash so every cache forgets it.
TEST_F(KeyServiceTest, RevokeAnnouncesTheHash) {
  const CreatedKey k = create();
  ASSERT_TRUE(service_.revoke(kAnn, k.record.id).has_value());
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(k.key)});
  EXPECT_FALSE(repo_.rows.at(k.record.id).record.isActive);
}

// Another user's key and an unknown id answer the same not_found; nothing is revoked or announced.
TEST_F(KeyServiceTest, AnotherUsersKeyIsNotFound) {
  const CreatedKey k = create(kBob);
  auto s = service_.revoke(kAnn, k.record.id);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Code::kNotFound);
  auto unknown = service_.revoke(kAnn, "00000000-0000-4000-8000-0000000000ff");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Code::kNotFound);
  EXPECT_EQ(unknown.error().message, s.error().message);
  EXPECT_TRUE(repo_.rows.at(k.record.id).record.isActive);
  EXPECT_TRUE(events_.changedHashes.empty());
}

// A malformed id is invalid_id before any store is asked.
TEST_F(KeyServiceTest, MalformedIdIsRefusedFirst) {
  repo_.down = true;
  for (std::string_view id : {"", "1", "not-a-uuid", "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5"}) {
    auto s = service_.revoke(kAnn, id);
    ASSERT_FALSE(s.has_value()) << id;
    EXPECT_EQ(s.error().code, Code::kInvalidId) << id;
  }
}

// Listing returns only the user's own keys.
TEST_F(KeyServiceTest, ListIsTheUsersOwn) {
  create(kAnn);
  create(kBob);
  create(kAnn);
  auto list = service_.list(kAnn);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->size(), 2u);
  for (const auto& k : *list) EXPECT_EQ(k.userId, kAnn);
}

}  // namespace
}  // namespace authd::keys
