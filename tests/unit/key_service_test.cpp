// KeyService: a created key is stored only by hash and announced; reading,
// changing, rotating and revoking check the id's shape, hide other users' keys,
// and announce each change with its version; leak reports disable a key
// without telling the reporter anything, within a per-address limit.
#include "keys/key_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/fakes/fake_key_repository.hpp"
#include "support/fakes/fake_windowed_counter.hpp"

namespace authd::keys {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kBob = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";

// A change by `user` through a request from a documentation address.
events::Context as(std::string_view user) {
  return events::Context::user(std::string(user), {"203.0.113.9", "unit-test/1"});
}
// A request from `address`, without a user agent.
events::Origin origin(std::string_view address) { return {std::string(address), ""}; }

class KeyServiceTest : public ::testing::Test {
 protected:
  CreatedKey create(std::string_view user = kAnn) {
    auto k = service_.create(
        user,
        CreateKeyRequest{
            .name = "ci", .expiresAt = {}, .scopes = {"read"}, .rateLimit = {}, .metadata = {}, .credits = {}},
        as(user));
    EXPECT_TRUE(k.has_value());
    return k ? *k : CreatedKey{};
  }
  // A key with every setting rotation must carry over, expiring in 30 days.
  CreatedKey createFull() {
    auto k = service_.create(kAnn,
                             CreateKeyRequest{.name = "billing",
                                              .expiresAt = clock_.now() + 30 * 24h,
                                              .scopes = {"read", "write"},
                                              .rateLimit = RateLimit{100, 60},
                                              .metadata = R"({"team":"payments"})",
                                              .credits = {}},
                             as(kAnn));
    EXPECT_TRUE(k.has_value());
    return k ? *k : CreatedKey{};
  }
  KeyPatch scopesPatch(std::vector<std::string> scopes) {
    KeyPatch p;
    p.scopes = std::move(scopes);
    return p;
  }
  void SetUp() override { repo_.now = clock_.now(); }

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
  auto k = service.create(
      kAnn,
      CreateKeyRequest{.name = "ci", .expiresAt = {}, .scopes = {}, .rateLimit = {}, .metadata = {}, .credits = {}},
      as(kAnn));
  ASSERT_TRUE(k.has_value());
  EXPECT_TRUE(k->key.starts_with("acme_")) << k->key;
  EXPECT_TRUE(isWellFormedKey(k->key)) << k->key;
  EXPECT_EQ(k->record.prefix, k->key.substr(0, 13));
  auto r = service.rotate(kAnn, k->record.id, std::chrono::seconds(60), as(kAnn));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->key.starts_with("acme_")) << r->key;
  EXPECT_TRUE(isWellFormedKey(r->key)) << r->key;
  EXPECT_EQ(r->record.prefix, r->key.substr(0, 13));
}

// A store outage at creation is the store's error, and nothing is announced.
TEST_F(KeyServiceTest, CreateOutageAnnouncesNothing) {
  repo_.down = true;
  auto k = service_.create(
      kAnn,
      CreateKeyRequest{.name = "ci", .expiresAt = {}, .scopes = {}, .rateLimit = {}, .metadata = {}, .credits = {}},
      as(kAnn));
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().code, Code::kDatabaseUnavailable);
  EXPECT_TRUE(events_.createdHashes.empty());
}

// Revoking announces the key's hash so every cache forgets it.
TEST_F(KeyServiceTest, RevokeAnnouncesTheHash) {
  const CreatedKey k = create();
  ASSERT_TRUE(service_.revoke(kAnn, k.record.id, as(kAnn)).has_value());
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(k.key)});
  EXPECT_FALSE(repo_.rows.at(k.record.id).record.isActive);
}

// Another user's key and an unknown id answer the same not_found; nothing is revoked or announced.
TEST_F(KeyServiceTest, AnotherUsersKeyIsNotFound) {
  const CreatedKey k = create(kBob);
  auto s = service_.revoke(kAnn, k.record.id, as(kAnn));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Code::kNotFound);
  auto unknown = service_.revoke(kAnn, "00000000-0000-4000-8000-0000000000ff", as(kAnn));
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
    auto s = service_.revoke(kAnn, id, as(kAnn));
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

// --- get ---

// get answers the user's own key; a malformed id is invalid_id, another user's key not_found.
TEST_F(KeyServiceTest, GetIsTheUsersOwnKey) {
  const CreatedKey mine = create();
  const CreatedKey bobs = create(kBob);
  auto got = service_.get(kAnn, mine.record.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, mine.record.id);
  EXPECT_EQ(got->scopes, std::vector<std::string>{"read"});
  auto other = service_.get(kAnn, bobs.record.id);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, Code::kNotFound);
  auto bad = service_.get(kAnn, "not-a-uuid");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidId);
}

// --- update ---

// An update is stored, returned, and announced by hash with the version it wrote.
TEST_F(KeyServiceTest, UpdateAnnouncesTheHashWithTheNewVersion) {
  const CreatedKey k = create();
  const int64_t before = repo_.rows.at(k.record.id).record.version;
  auto updated = service_.update(kAnn, k.record.id, scopesPatch({"admin"}), as(kAnn));
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->scopes, std::vector<std::string>{"admin"});
  EXPECT_GT(updated->version, before);
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(k.key)});
  EXPECT_EQ(events_.changedVersions, std::vector<int64_t>{updated->version});
}

// Updating another user's key, an unknown one or a malformed id changes and announces nothing.
TEST_F(KeyServiceTest, UpdateOfAnotherUsersKeyIsNotFound) {
  const CreatedKey bobs = create(kBob);
  auto other = service_.update(kAnn, bobs.record.id, scopesPatch({"admin"}), as(kAnn));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, Code::kNotFound);
  auto bad = service_.update(kAnn, "1", scopesPatch({"admin"}), as(kAnn));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidId);
  EXPECT_EQ(repo_.rows.at(bobs.record.id).record.scopes, std::vector<std::string>{"read"});
  EXPECT_TRUE(events_.changedHashes.empty());
}

// A revoked key and a rotated one cannot be changed: conflict, and nothing announced.
TEST_F(KeyServiceTest, UpdateOfARevokedOrRotatedKeyIsAConflict) {
  const CreatedKey revoked = create();
  ASSERT_TRUE(service_.revoke(kAnn, revoked.record.id, as(kAnn)).has_value());
  const CreatedKey rotated = create();
  ASSERT_TRUE(service_.rotate(kAnn, rotated.record.id, 60s, as(kAnn)).has_value());
  events_ = {};
  for (const auto& id : {revoked.record.id, rotated.record.id}) {
    auto r = service_.update(kAnn, id, scopesPatch({"admin"}), as(kAnn));
    ASSERT_FALSE(r.has_value()) << id;
    EXPECT_EQ(r.error().code, Code::kConflict) << id;
  }
  EXPECT_TRUE(events_.changedHashes.empty());
}

// --- rotate ---

// The successor is a new key with the old one's name, scopes, limit, metadata and expiry, and says whom it replaced.
TEST_F(KeyServiceTest, RotateCopiesTheSettingsToTheSuccessor) {
  const CreatedKey old = createFull();
  auto next = service_.rotate(kAnn, old.record.id, 1h, as(kAnn));
  ASSERT_TRUE(next.has_value());
  const KeyRecord& n = next->record;
  EXPECT_TRUE(isWellFormedKey(next->key));
  EXPECT_NE(next->key, old.key);
  EXPECT_NE(n.id, old.record.id);
  EXPECT_EQ(n.userId, kAnn);
  EXPECT_EQ(n.name, "billing");
  EXPECT_EQ(n.scopes, (std::vector<std::string>{"read", "write"}));
  ASSERT_TRUE(n.rateLimit);
  EXPECT_EQ(n.rateLimit->limit, 100);
  EXPECT_EQ(n.rateLimit->windowSeconds, 60);
  EXPECT_EQ(n.metadata, R"({"team":"payments"})");
  EXPECT_EQ(n.expiresAt, old.record.expiresAt);
  EXPECT_EQ(n.rotatedFrom, old.record.id);
  EXPECT_EQ(repo_.rows.at(n.id).hash, crypto::sha256Hex(next->key));
}

// Rotation announces the successor as created and the old key as changed, with the version that retired it.
TEST_F(KeyServiceTest, RotateAnnouncesTheSuccessorAndTheOldKey) {
  const CreatedKey old = create();
  events_ = {};
  auto next = service_.rotate(kAnn, old.record.id, 1h, as(kAnn));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(events_.createdHashes, std::vector<std::string>{crypto::sha256Hex(next->key)});
  EXPECT_EQ(events_.createdIds, std::vector<std::string>{next->record.id});
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(old.key)});
  EXPECT_EQ(events_.changedVersions, std::vector<int64_t>{repo_.rows.at(old.record.id).record.version});
}

// The old key expires at the end of the grace period, or at its own expiry when that comes first.
TEST_F(KeyServiceTest, RotateEndsTheOldKeyAtTheEarlierOfGraceAndExpiry) {
  const CreatedKey longLived = createFull();  // expires in 30 days
  ASSERT_TRUE(service_.rotate(kAnn, longLived.record.id, 1h, as(kAnn)).has_value());
  EXPECT_EQ(repo_.rows.at(longLived.record.id).record.expiresAt, clock_.now() + 1h);
  EXPECT_EQ(repo_.rows.at(longLived.record.id).record.rotatedAt, clock_.now());

  const CreatedKey neverExpires = create();
  ASSERT_TRUE(service_.rotate(kAnn, neverExpires.record.id, 0s, as(kAnn)).has_value());
  EXPECT_EQ(repo_.rows.at(neverExpires.record.id).record.expiresAt, clock_.now());

  auto soon = service_.create(kAnn,
                              CreateKeyRequest{.name = "soon",
                                               .expiresAt = clock_.now() + 10min,
                                               .scopes = {},
                                               .rateLimit = {},
                                               .metadata = {},
                                               .credits = {}},
                              as(kAnn));
  ASSERT_TRUE(soon.has_value());
  ASSERT_TRUE(service_.rotate(kAnn, soon->record.id, 1h, as(kAnn)).has_value());
  EXPECT_EQ(repo_.rows.at(soon->record.id).record.expiresAt, clock_.now() + 10min);
}

// A key rotates once: the second rotation is a conflict, issues nothing and announces nothing.
TEST_F(KeyServiceTest, SecondRotateIsAConflict) {
  const CreatedKey old = create();
  ASSERT_TRUE(service_.rotate(kAnn, old.record.id, 1h, as(kAnn)).has_value());
  const size_t rows = repo_.rows.size();
  events_ = {};
  auto again = service_.rotate(kAnn, old.record.id, 1h, as(kAnn));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Code::kConflict);
  EXPECT_EQ(repo_.rows.size(), rows);
  EXPECT_TRUE(events_.createdHashes.empty());
  EXPECT_TRUE(events_.changedHashes.empty());
}

// An expired key and a revoked one cannot be rotated.
TEST_F(KeyServiceTest, RotatingAnExpiredOrRevokedKeyIsAConflict) {
  auto expiring = service_.create(
      kAnn,
      CreateKeyRequest{
          .name = "x", .expiresAt = clock_.now() + 1s, .scopes = {}, .rateLimit = {}, .metadata = {}, .credits = {}},
      as(kAnn));
  ASSERT_TRUE(expiring.has_value());
  repo_.now = clock_.now() + 2s;
  auto expired = service_.rotate(kAnn, expiring->record.id, 1h, as(kAnn));
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, Code::kConflict);

  const CreatedKey revoked = create();
  ASSERT_TRUE(service_.revoke(kAnn, revoked.record.id, as(kAnn)).has_value());
  auto r = service_.rotate(kAnn, revoked.record.id, 1h, as(kAnn));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kConflict);
}

// Rotating another user's key is not_found, a malformed id invalid_id.
TEST_F(KeyServiceTest, RotateChecksTheIdAndTheOwner) {
  const CreatedKey bobs = create(kBob);
  auto other = service_.rotate(kAnn, bobs.record.id, 1h, as(kAnn));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, Code::kNotFound);
  auto bad = service_.rotate(kAnn, "not-a-uuid", 1h, as(kAnn));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidId);
  EXPECT_FALSE(repo_.rows.at(bobs.record.id).record.rotatedAt);
}

// A store outage during rotation is the store's error, and nothing is announced.
TEST_F(KeyServiceTest, RotateOutageAnnouncesNothing) {
  const CreatedKey old = create();
  events_ = {};
  repo_.down = true;
  auto r = service_.rotate(kAnn, old.record.id, 1h, as(kAnn));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kDatabaseUnavailable);
  EXPECT_TRUE(events_.createdHashes.empty());
  EXPECT_TRUE(events_.changedHashes.empty());
}

// --- reportLeak ---

constexpr std::string_view kReporter = "203.0.113.7";

// Something that cannot be a key is accepted without asking the store.
TEST_F(KeyServiceTest, LeakReportOfAMalformedKeyCostsNoQuery) {
  for (std::string_view junk : {"", "hello", "sk_live_short", "Bearer x"}) {
    EXPECT_TRUE(service_.reportLeak(junk, origin(kReporter)).has_value()) << junk;
  }
  EXPECT_EQ(repo_.leakLookups, 0);
  EXPECT_TRUE(events_.changedHashes.empty());
}

// A well-formed key that does not exist is accepted the same way (one lookup), and nothing is announced.
TEST_F(KeyServiceTest, LeakReportOfAnUnknownKeyIsAccepted) {
  create();
  EXPECT_TRUE(service_.reportLeak(generateKey(kDefaultKeyPrefix).key, origin(kReporter)).has_value());
  EXPECT_EQ(repo_.leakLookups, 1);
  EXPECT_TRUE(events_.changedHashes.empty());
}

// A real key is disabled as leaked at once, and the change is announced with its version.
TEST_F(KeyServiceTest, LeakReportDisablesTheKeyAndAnnounces) {
  const CreatedKey k = create();
  ASSERT_TRUE(service_.reportLeak(k.key, origin(kReporter)).has_value());
  const KeyRecord& r = repo_.rows.at(k.record.id).record;
  EXPECT_FALSE(r.enabled);
  EXPECT_EQ(r.disabledReason, DisabledReason::kLeaked);
  EXPECT_TRUE(r.isActive);
  EXPECT_EQ(events_.changedHashes, std::vector<std::string>{crypto::sha256Hex(k.key)});
  EXPECT_EQ(events_.changedVersions, std::vector<int64_t>{r.version});
}

// Ten reports per address per minute: the eleventh is too_many_requests with a retry-after and no lookup;
// another address is unaffected.
TEST_F(KeyServiceTest, LeakReportsAreLimitedPerAddress) {
  const CreatedKey k = create();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(service_.reportLeak("junk", origin(kReporter)).has_value()) << i;
  auto eleventh = service_.reportLeak(k.key, origin(kReporter));
  ASSERT_FALSE(eleventh.has_value());
  EXPECT_EQ(eleventh.error().code, Code::kTooManyRequests);
  EXPECT_GT(eleventh.error().retryAfterSeconds, 0);
  EXPECT_LE(eleventh.error().retryAfterSeconds, 60);
  EXPECT_EQ(counter_.lastWindow, 60s);
  EXPECT_EQ(repo_.leakLookups, 0);
  EXPECT_TRUE(repo_.rows.at(k.record.id).record.enabled);

  EXPECT_TRUE(service_.reportLeak(k.key, origin("198.51.100.1")).has_value());
  EXPECT_FALSE(repo_.rows.at(k.record.id).record.enabled);
}

// The limit comes from the constructor, and the window ends: reports are accepted again.
TEST_F(KeyServiceTest, LeakReportLimitIsConfiguredAndWindowed) {
  KeyService strict{repo_, events_, counter_, LeakReportLimit{2, 10s}};
  EXPECT_TRUE(strict.reportLeak("a", origin(kReporter)).has_value());
  EXPECT_TRUE(strict.reportLeak("b", origin(kReporter)).has_value());
  EXPECT_FALSE(strict.reportLeak("c", origin(kReporter)).has_value());
  clock_.advance(11s);
  EXPECT_TRUE(strict.reportLeak("d", origin(kReporter)).has_value());
}

// With the counter unreachable, reports are not throttled: a leaked key must still be disabled.
TEST_F(KeyServiceTest, LeakReportWithTheCounterDownStillDisables) {
  const CreatedKey k = create();
  counter_.down = true;
  ASSERT_TRUE(service_.reportLeak(k.key, origin(kReporter)).has_value());
  EXPECT_FALSE(repo_.rows.at(k.record.id).record.enabled);
  EXPECT_EQ(events_.changedHashes.size(), 1u);
}

// A store outage on a well-formed key is the store's error (the report did not take effect), nothing announced.
TEST_F(KeyServiceTest, LeakReportStoreOutageIsAnError) {
  const CreatedKey k = create();
  repo_.down = true;
  auto r = service_.reportLeak(k.key, origin(kReporter));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kDatabaseUnavailable);
  EXPECT_TRUE(events_.changedHashes.empty());
}

}  // namespace
}  // namespace authd::keys
