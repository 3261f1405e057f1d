// verify::Admission over a fake store: what it asks the store (nothing for
// requests with no limit and no credits; every part in one call), which limit
// answers, credits outcomes, and the fallbacks while the store is unreachable
// (limits counted locally, credits fail closed).
#include "verify/admission.hpp"

#include <gtest/gtest.h>

#include "support/fakes/fake_admission_store.hpp"

namespace authd::verify {
namespace {

constexpr int64_t kStart = 1'800'000'000'000;  // a multiple of every window used here

class AdmissionTest : public ::testing::Test {
 protected:
  AdmissionRequest request(std::optional<keys::RateLimit> key, std::optional<keys::RateLimit> user = {}) {
    AdmissionRequest r;
    r.keyId = "key-1";
    r.userId = "user-1";
    r.keyLimit = key;
    r.userLimit = user;
    r.credits = &credits_;
    r.creditsVersion = 1;
    r.nowMs = now_;
    return r;
  }

  testing::FakeAdmissionStore store_;
  Admission admission_{store_};
  std::optional<keys::Credits> credits_;
  int64_t now_ = kStart;
};

// No limit (or limit 0) and no credits: allowed without asking the store.
TEST_F(AdmissionTest, NothingToCheckMeansNoStoreCall) {
  EXPECT_EQ(admission_.admit(request(std::nullopt)).result, AdmissionResult::kNone);
  EXPECT_EQ(admission_.admit(request(keys::RateLimit{0, 60}, keys::RateLimit{0, 60})).result, AdmissionResult::kNone);
  EXPECT_EQ(store_.calls, 0);
}

// Key limit, user limit and credits go to the store in one call.
TEST_F(AdmissionTest, EveryPartInOneCall) {
  credits_ = keys::Credits{10, std::nullopt};
  auto r = request(keys::RateLimit{5, 60}, keys::RateLimit{50, 3600});
  r.cost = 4;
  const Admitted a = admission_.admit(r);
  EXPECT_EQ(a.result, AdmissionResult::kAllowed);
  EXPECT_EQ(store_.calls, 1);
  ASSERT_TRUE(store_.last.key && store_.last.user && store_.last.credits);
  EXPECT_EQ(store_.last.credits->cost, 4);
  EXPECT_EQ(store_.last.credits->seedRemaining, 10);
  EXPECT_EQ(a.creditsRemaining, 6);
  EXPECT_EQ(a.creditsSpent, 4);
  EXPECT_EQ(a.rate.limit, 5);  // 4 left of the key's 5, 49 of the user's 50
  EXPECT_EQ(a.rate.remaining, 4);
}

// The user's limit refusing: kUserLimited with its numbers, and nothing counted for the key either.
TEST_F(AdmissionTest, RefusalCountsNothing) {
  const auto r = request(keys::RateLimit{10, 60}, keys::RateLimit{1, 60});
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kAllowed);
  const Admitted refused = admission_.admit(r);
  EXPECT_EQ(refused.result, AdmissionResult::kUserLimited);
  EXPECT_EQ(refused.rate.limit, 1);
  EXPECT_FALSE(refused.rate.allowed);
  EXPECT_GE(refused.rate.retryAfterSeconds, 1);
  EXPECT_EQ(store_.windows["k:key-1:60:" + std::to_string(kStart / 60'000)], 1);
}

// Credits short: usage exceeded, the limits not counted, and no retry time without a refill.
TEST_F(AdmissionTest, UsageExceededCountsNoLimit) {
  credits_ = keys::Credits{1, std::nullopt};
  auto r = request(keys::RateLimit{10, 60});
  r.cost = 2;
  const Admitted a = admission_.admit(r);
  EXPECT_EQ(a.result, AdmissionResult::kUsageExceeded);
  EXPECT_EQ(a.creditsRetryAfter, 0);
  EXPECT_EQ(a.creditsSpent, 0);
  EXPECT_EQ(a.creditsRemaining, 1);
  EXPECT_EQ(store_.windows["k:key-1:60:" + std::to_string(kStart / 60'000)], 0);
}

// A monthly refill: usage exceeded says how long until the next month begins (UTC).
TEST_F(AdmissionTest, RetryAfterTheNextRefill) {
  credits_ = keys::Credits{0, keys::CreditRefill{100, keys::RefillInterval::kMonth}};
  auto r = request(std::nullopt);
  r.creditsPeriod = keys::periodStart(keys::RefillInterval::kMonth, kStart / 1000);
  const Admitted a = admission_.admit(r);
  EXPECT_EQ(a.result, AdmissionResult::kUsageExceeded);
  EXPECT_EQ(a.creditsRetryAfter, keys::nextPeriodStart(keys::RefillInterval::kMonth, kStart / 1000) - kStart / 1000);
  EXPECT_EQ(store_.last.credits->periodNow, r.creditsPeriod);
}

// Store down: limits are counted locally (a limit of 2 admits 2), keys with credits are refused as unavailable.
TEST_F(AdmissionTest, StoreDownCountsLocallyAndCreditsFailClosed) {
  store_.down = true;
  const auto r = request(keys::RateLimit{2, 60});
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kAllowed);
  const Admitted second = admission_.admit(r);
  EXPECT_EQ(second.result, AdmissionResult::kAllowed);
  EXPECT_FALSE(second.rate.shared);
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kKeyLimited);
  EXPECT_EQ(admission_.localDecisions(), 3u);
  credits_ = keys::Credits{10, std::nullopt};
  EXPECT_EQ(admission_.admit(request(std::nullopt)).result, AdmissionResult::kUnavailable);
}

// Locally too, the window slides: a full window still refuses just after its edge.
TEST_F(AdmissionTest, LocalCountingSlides) {
  store_.down = true;
  auto r = request(keys::RateLimit{2, 60});
  r.nowMs = kStart + 59'000;
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kAllowed);
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kAllowed);
  r.nowMs = kStart + 61'000;
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kKeyLimited);
  r.nowMs = kStart + 60'000 + 31'000;
  EXPECT_EQ(admission_.admit(r).result, AdmissionResult::kAllowed);
}

}  // namespace
}  // namespace authd::verify
