#include "accounts/login_throttle.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "support/fakes/fake_windowed_counter.hpp"

namespace authd::accounts {
namespace {

using namespace std::chrono_literals;

constexpr ThrottleLimits kLimits{.maxFailuresPerEmail = 3, .maxFailuresPerAddress = 5, .window = 120s};

class LoginThrottleTest : public ::testing::Test {
 protected:
  // n attempts that fail (admitted or not).
  void fails(std::string_view email, std::string_view address, int n) {
    for (int i = 0; i < n; ++i) (void)throttle_.admit(email, address);
  }
  static void expectThrottled(const Status& s, int retryAfter) {
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, Code::kTooManyRequests) << codeName(s.error().code);
    EXPECT_EQ(s.error().retryAfterSeconds, retryAfter);
  }

  FakeClock clock_;
  testing::FakeWindowedCounter counter_{clock_};
  LoginThrottle throttle_{counter_, kLimits};
};

// Attempts up to the per-email limit are admitted; the next is refused with the window's remaining seconds.
TEST_F(LoginThrottleTest, EmailLimit) {
  for (int i = 0; i < kLimits.maxFailuresPerEmail; ++i) {
    EXPECT_TRUE(throttle_.admit("ann@example.com", "10.0.0.1").has_value()) << "attempt " << i + 1;
  }
  clock_.advance(78s);  // 42 s of the 120 s window left
  expectThrottled(throttle_.admit("ann@example.com", "10.0.0.2"), 42);
  EXPECT_EQ(counter_.lastWindow, 120s);
  // Another email from the same address is unaffected (address count 4 < 5).
  EXPECT_TRUE(throttle_.admit("bob@example.com", "10.0.0.1").has_value());
}

// Every attempt is counted when it is admitted, before any password is checked: however many arrive at once,
// no more than the limit are let through to be checked.
TEST_F(LoginThrottleTest, AttemptsAreCountedBeforeTheyAreChecked) {
  int admitted = 0;
  for (int i = 0; i < 16; ++i) admitted += throttle_.admit("ann@example.com", "").has_value() ? 1 : 0;
  EXPECT_EQ(admitted, kLimits.maxFailuresPerEmail);
}

// Emails are counted as given (callers pass accounts::normalizeEmail's form), and never stored in clear.
TEST_F(LoginThrottleTest, EmailKeyHidesTheAddress) {
  fails("ann@example.com", "10.0.0.1", 3);
  expectThrottled(throttle_.admit("ann@example.com", "10.0.0.9"), 120);
  for (const auto& [key, count] : counter_.counts()) EXPECT_EQ(key.find("example"), std::string::npos) << key;
}

// Attempts for many emails from one address trip the per-address limit, for every email.
TEST_F(LoginThrottleTest, AddressLimit) {
  for (int i = 0; i < kLimits.maxFailuresPerAddress; ++i)
    fails("user" + std::to_string(i) + "@example.com", "10.0.0.1", 1);
  expectThrottled(throttle_.admit("fresh@example.com", "10.0.0.1"), 120);
  EXPECT_TRUE(throttle_.admit("fresh@example.com", "10.0.0.2").has_value());
}

// An empty address (unknown peer) is neither counted nor checked.
TEST_F(LoginThrottleTest, EmptyAddressNotCounted) {
  fails("ann@example.com", "", 2);
  EXPECT_EQ(counter_.counts().size(), 1u);
  EXPECT_TRUE(throttle_.admit("ann@example.com", "").has_value());
}

// A success clears the email's count and gives the address its attempt back: successes never use up an address.
TEST_F(LoginThrottleTest, SuccessClearsTheEmailAndGivesTheAttemptBack) {
  fails("ann@example.com", "10.0.0.1", 2);
  ASSERT_TRUE(throttle_.admit("ann@example.com", "10.0.0.1").has_value());
  throttle_.succeeded("ann@example.com", "10.0.0.1");
  EXPECT_TRUE(throttle_.admit("ann@example.com", "10.0.0.1").has_value());  // email cleared (1); address at 3
  throttle_.succeeded("ann@example.com", "10.0.0.1");                       // address back at 2
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(throttle_.admit("ann@example.com", "10.0.0.1").has_value()) << "success " << i;
    throttle_.succeeded("ann@example.com", "10.0.0.1");
  }
  fails("bob@example.com", "10.0.0.1", 3);  // address now at 5
  expectThrottled(throttle_.admit("carl@example.com", "10.0.0.1"), 120);
}

// An attempt abandoned before its password was checked (a store outage) costs neither counter anything.
TEST_F(LoginThrottleTest, AbandonedAttemptsAreGivenBack) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(throttle_.admit("ann@example.com", "10.0.0.1").has_value()) << "attempt " << i;
    throttle_.abandoned("ann@example.com", "10.0.0.1");
  }
  for (const auto& [key, count] : counter_.counts()) EXPECT_EQ(count, 0) << key;
}

// A window reported as already over still yields Retry-After ≥ 1.
TEST_F(LoginThrottleTest, RetryAfterAtLeastOne) {
  counter_.resetsInOverride = 0;
  fails("ann@example.com", "10.0.0.1", 3);
  expectThrottled(throttle_.admit("ann@example.com", "10.0.0.1"), 1);
  counter_.resetsInOverride = -1;  // Redis TTL -1: key without expiry
  expectThrottled(throttle_.admit("ann@example.com", "10.0.0.1"), 1);
}

// With the counters unreachable, nothing is throttled and nothing throws.
TEST_F(LoginThrottleTest, CounterOutageAllowsLogins) {
  fails("ann@example.com", "10.0.0.1", 10);
  counter_.down = true;
  EXPECT_TRUE(throttle_.admit("ann@example.com", "10.0.0.1").has_value());
  throttle_.succeeded("ann@example.com", "10.0.0.1");
  throttle_.abandoned("ann@example.com", "10.0.0.1");
}

}  // namespace
}  // namespace authd::accounts
