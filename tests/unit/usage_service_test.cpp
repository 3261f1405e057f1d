// keys::UsageService: only the caller's own keys (a malformed id 400, another
// user's key and an unknown id the same 404, before any usage is read), every
// bucket of the range zero-filled, totals per key, outages as errors.
#include "keys/usage_service.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/fakes/fake_key_repository.hpp"
#include "support/fakes/fake_usage_reader.hpp"

namespace authd::keys {
namespace {

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kBob = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
constexpr int64_t kFrom = 1'800'000'000 / 3600 * 3600;  // an hour start
const UsageRange kRange{Granularity::kHour, kFrom, kFrom + 4 * 3600};

class UsageServiceTest : public ::testing::Test {
 protected:
  std::string keyOf(std::string_view user, std::string name = "k") {
    CreateKeyRequest req;
    req.name = std::move(name);
    auto k = repo_.insert(user, req, std::string(64, 'a'), "sk_test");
    EXPECT_TRUE(k.has_value());
    return k ? k->id : "";
  }
  void use(std::string_view user, const std::string& key, int64_t minute, int64_t valid, std::string name = "k") {
    UsageCounts c;
    c.valid = valid;
    reader_.rows.push_back({std::string(user), key, std::move(name), minute, c});
  }

  testing::FakeKeyRepository repo_;
  testing::FakeUsageReader reader_;
  UsageService service_{repo_, reader_};
};

// A key of the caller: every bucket of the range, its counts where it was used and zeros elsewhere.
TEST_F(UsageServiceTest, ForKeyZeroFillsTheRange) {
  const std::string id = keyOf(kAnn);
  use(kAnn, id, kFrom + 60, 2);
  use(kAnn, id, kFrom + 120, 3);
  use(kAnn, id, kFrom + 2 * 3600, 7);
  const auto got = service_.forKey(kAnn, id, kRange);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->keyId, id);
  ASSERT_EQ(got->buckets.size(), 4u);
  EXPECT_EQ(got->buckets[0].counts.valid, 5);
  EXPECT_EQ(got->buckets[1].counts.valid, 0);
  EXPECT_EQ(got->buckets[2].counts.valid, 7);
  EXPECT_EQ(got->buckets[3].start, kFrom + 3 * 3600);
}

// A key of the caller never used: zeros in every bucket, not a 404.
TEST_F(UsageServiceTest, ForKeyWithoutUsageIsAllZeros) {
  const std::string id = keyOf(kAnn);
  const auto got = service_.forKey(kAnn, id, kRange);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->buckets.size(), 4u);
  for (const auto& b : got->buckets) EXPECT_EQ(b.counts, UsageCounts{});
}

// A malformed id is kInvalidId; another user's key and an unknown id are kNotFound; none of them reads usage.
TEST_F(UsageServiceTest, ForKeyChecksTheIdAndTheOwner) {
  const std::string bobs = keyOf(kBob);
  use(kBob, bobs, kFrom, 9);
  const auto bad = service_.forKey(kAnn, "not-a-uuid", kRange);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidId);
  const auto other = service_.forKey(kAnn, bobs, kRange);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, Code::kNotFound);
  const auto unknown = service_.forKey(kAnn, "00000000-0000-4000-8000-0000000000ff", kRange);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Code::kNotFound);
  EXPECT_EQ(other.error().message, unknown.error().message);
  EXPECT_EQ(reader_.reads, 0);
}

// All of the caller's keys: buckets summed over them and zero-filled, totals per used key; nothing of another user's.
TEST_F(UsageServiceTest, ForUserSumsTheUsersKeys) {
  const std::string a = keyOf(kAnn, "a"), b = keyOf(kAnn, "b"), bobs = keyOf(kBob);
  use(kAnn, a, kFrom, 1, "a");
  use(kAnn, b, kFrom + 59 * 60, 2, "b");
  use(kAnn, a, kFrom + 3 * 3600, 4, "a");
  use(kBob, bobs, kFrom, 100);
  const auto got = service_.forUser(kAnn, kRange);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->buckets.size(), 4u);
  EXPECT_EQ(got->buckets[0].counts.valid, 3);
  EXPECT_EQ(got->buckets[1].counts.valid, 0);
  EXPECT_EQ(got->buckets[3].counts.valid, 4);
  ASSERT_EQ(got->totals.size(), 2u);
  EXPECT_EQ(got->totals[0].keyId, a);
  EXPECT_EQ(got->totals[0].name, "a");
  EXPECT_EQ(got->totals[0].counts.valid, 5);
  EXPECT_EQ(got->totals[1].counts.valid, 2);
}

// Per key: each used key's own buckets, zero-filled over the whole range; without it, none.
TEST_F(UsageServiceTest, ForUserPerKeyZeroFillsEachKey) {
  const std::string a = keyOf(kAnn, "a"), b = keyOf(kAnn, "b");
  use(kAnn, a, kFrom, 1, "a");
  use(kAnn, b, kFrom + 2 * 3600 + 60, 2, "b");
  use(kAnn, a, kFrom + 3 * 3600, 4, "a");
  const auto got = service_.forUser(kAnn, kRange, true);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_EQ(got->totals.size(), 2u);
  const auto valid = [](const KeyUsageTotal& t) {
    std::vector<int64_t> out;
    for (const auto& bucket : t.buckets) out.push_back(bucket.counts.valid);
    return out;
  };
  EXPECT_EQ(valid(got->totals[0]), (std::vector<int64_t>{1, 0, 0, 4}));
  EXPECT_EQ(valid(got->totals[1]), (std::vector<int64_t>{0, 0, 2, 0}));
  EXPECT_EQ(got->totals[1].buckets[2].start, kFrom + 2 * 3600);
  EXPECT_TRUE(service_.forUser(kAnn, kRange)->totals[0].buckets.empty());
}

// Per key, a range of more than a week by hour is refused before anything is read.
TEST_F(UsageServiceTest, ForUserPerKeyIsBounded) {
  const UsageRange week{Granularity::kHour, kFrom, kFrom + kMaxPerKeyBuckets * 3600};
  EXPECT_TRUE(service_.forUser(kAnn, week, true).has_value());
  const UsageRange more{Granularity::kHour, kFrom, kFrom + (kMaxPerKeyBuckets + 1) * 3600};
  const auto refused = service_.forUser(kAnn, more, true);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::kValidationFailed);
  EXPECT_EQ(reader_.reads, 1);
  EXPECT_TRUE(service_.forUser(kAnn, more).has_value()) << "without perKey the usual bound holds";
}

// PostgreSQL unreachable: the store's error, whichever read it was.
TEST_F(UsageServiceTest, OutagesAreErrors) {
  const std::string id = keyOf(kAnn);
  reader_.down = true;
  EXPECT_EQ(service_.forKey(kAnn, id, kRange).error().code, Code::kDatabaseUnavailable);
  EXPECT_EQ(service_.forUser(kAnn, kRange).error().code, Code::kDatabaseUnavailable);
  reader_.down = false;
  repo_.down = true;
  EXPECT_EQ(service_.forKey(kAnn, id, kRange).error().code, Code::kDatabaseUnavailable);
}

}  // namespace
}  // namespace authd::keys
