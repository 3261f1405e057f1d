// UserStatusCache: a user's active flag is read once per freshness period of
// the monotonic clock, evicted by the bus, and served stale while PostgreSQL is
// down. Time is a FakeClock.
#include "verify/user_status.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/clock.hpp"
#include "support/fakes/fake_key_stores.hpp"

namespace authd::verify {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kAnn = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";

class UserStatusTest : public ::testing::Test {
 protected:
  void SetUp() override { users_.active[std::string(kAnn)] = true; }
  static std::optional<bool> value(const Result<std::optional<bool>>& r) {
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::nullopt;
  }
  FakeClock clock_;
  testing::FakeUserStatusSource users_;
  UserStatusCache cache_{users_, clock_, 100, 60s, 1h};
};

// The flag is asked once, then served from memory until its freshness ends.
TEST_F(UserStatusTest, CachedForItsFreshness) {
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  users_.active[std::string(kAnn)] = false;
  clock_.advance(59s);
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  EXPECT_EQ(users_.lookups, 1);
  clock_.advance(1s);
  EXPECT_EQ(value(cache_.isActive(kAnn)), false);
  EXPECT_EQ(users_.lookups, 2);
}

// A wall-clock step (NTP) does not expire or extend anything: freshness runs on the monotonic clock.
TEST_F(UserStatusTest, WallClockStepsDoNotMatter) {
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  clock_.set(clock_.now() + 24h);
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  EXPECT_EQ(users_.lookups, 1);
}

// A change to the user on the bus is seen by the next check.
TEST_F(UserStatusTest, BusEvictsTheUser) {
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  users_.active[std::string(kAnn)] = false;
  cache_.onChange(Change{ChangeKind::kUserChanged, std::string(kAnn)});
  EXPECT_EQ(value(cache_.isActive(kAnn)), false);
  users_.active[std::string(kAnn)] = true;
  cache_.onChange(Change{ChangeKind::kBulkReload, ""});
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
}

// An unknown user is nullopt (and cached like any answer).
TEST_F(UserStatusTest, UnknownUser) {
  EXPECT_EQ(value(cache_.isActive("0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d")), std::nullopt);
}

// PostgreSQL down: what is known is served (even past its freshness); what is not is the store's error.
TEST_F(UserStatusTest, OutageServesWhatIsKnown) {
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  users_.down = true;
  clock_.advance(10min);
  EXPECT_EQ(value(cache_.isActive(kAnn)), true);
  auto unknown = cache_.isActive("0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Code::kDatabaseUnavailable);
}

}  // namespace
}  // namespace authd::verify
