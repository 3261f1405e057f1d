#include "accounts/login_throttle.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

namespace authd::accounts {
namespace {

using namespace std::chrono_literals;

// Counters in a map; `resetsIn` is what every key reports, `down` simulates a Redis outage.
class ThrottleFakeCounter final : public AttemptCounter {
 public:
  Result<WindowCount> get(std::string_view key) override {
    if (down) return fail(Code::kCacheUnavailable);
    const auto it = counts.find(std::string(key));
    return WindowCount{it == counts.end() ? 0 : it->second, resetsIn};
  }
  Result<WindowCount> increment(std::string_view key, std::chrono::seconds window) override {
    if (down) return fail(Code::kCacheUnavailable);
    lastWindow = window;
    return WindowCount{++counts[std::string(key)], resetsIn};
  }
  Status reset(std::string_view key) override {
    if (down) return fail(Code::kCacheUnavailable);
    counts.erase(std::string(key));
    return {};
  }

  std::map<std::string, int64_t> counts;
  int64_t resetsIn = 42;
  std::chrono::seconds lastWindow{0};
  bool down = false;
};

constexpr ThrottleLimits kLimits{.maxFailuresPerEmail = 3, .maxFailuresPerAddress = 5, .window = 120s};

class LoginThrottleTest : public ::testing::Test {
 protected:
  void fails(std::string_view email, std::string_view address, int n) {
    for (int i = 0; i < n; ++i) throttle_.recordFailure(email, address);
  }
  static void expectThrottled(const Status& s, int retryAfter) {
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, Code::kTooManyRequests) << codeName(s.error().code);
    EXPECT_EQ(s.error().retryAfterSeconds, retryAfter);
  }

  ThrottleFakeCounter counter_;
  LoginThrottle throttle_{counter_, kLimits};
};

// Below the per-email limit logins pass; at the limit they are refused with the window's remaining seconds.
TEST_F(LoginThrottleTest, EmailLimit) {
  EXPECT_TRUE(throttle_.check("ann@example.com", "10.0.0.1").has_value());
  fails("ann@example.com", "10.0.0.1", 2);
  EXPECT_TRUE(throttle_.check("ann@example.com", "10.0.0.1").has_value());
  fails("ann@example.com", "10.0.0.1", 1);
  expectThrottled(throttle_.check("ann@example.com", "10.0.0.2"), 42);
  EXPECT_EQ(counter_.lastWindow, 120s);
  // Another email from the same address is unaffected (address count 3 < 5).
  EXPECT_TRUE(throttle_.check("bob@example.com", "10.0.0.1").has_value());
}

// Emails are counted case-insensitively, so changing case does not buy more attempts, and are not stored in clear.
TEST_F(LoginThrottleTest, EmailKeyIgnoresCaseAndHidesTheAddress) {
  fails("Ann@Example.COM", "10.0.0.1", 3);
  expectThrottled(throttle_.check("ann@example.com", "10.0.0.9"), 42);
  for (const auto& [key, count] : counter_.counts) EXPECT_EQ(key.find("example"), std::string::npos) << key;
}

// Failures for many emails from one address trip the per-address limit, for every email.
TEST_F(LoginThrottleTest, AddressLimit) {
  for (int i = 0; i < kLimits.maxFailuresPerAddress; ++i)
    fails("user" + std::to_string(i) + "@example.com", "10.0.0.1", 1);
  expectThrottled(throttle_.check("fresh@example.com", "10.0.0.1"), 42);
  EXPECT_TRUE(throttle_.check("fresh@example.com", "10.0.0.2").has_value());
}

// An empty address (unknown peer) is neither counted nor checked.
TEST_F(LoginThrottleTest, EmptyAddressNotCounted) {
  fails("ann@example.com", "", 2);
  EXPECT_EQ(counter_.counts.size(), 1u);
  EXPECT_TRUE(throttle_.check("ann@example.com", "").has_value());
}

// A success clears the email's failures but not the address's.
TEST_F(LoginThrottleTest, SuccessResetsEmailOnly) {
  fails("ann@example.com", "10.0.0.1", 3);
  throttle_.recordSuccess("ANN@example.com");
  EXPECT_TRUE(throttle_.check("ann@example.com", "10.0.0.1").has_value());
  fails("bob@example.com", "10.0.0.1", 2);  // address now at 5
  expectThrottled(throttle_.check("ann@example.com", "10.0.0.1"), 42);
}

// A window reported as already over still yields Retry-After ≥ 1.
TEST_F(LoginThrottleTest, RetryAfterAtLeastOne) {
  counter_.resetsIn = 0;
  fails("ann@example.com", "10.0.0.1", 3);
  expectThrottled(throttle_.check("ann@example.com", "10.0.0.1"), 1);
  counter_.resetsIn = -1;  // Redis TTL -1: key without expiry
  expectThrottled(throttle_.check("ann@example.com", "10.0.0.1"), 1);
}

// With the counters unreachable, nothing is throttled and nothing throws.
TEST_F(LoginThrottleTest, CounterOutageAllowsLogins) {
  fails("ann@example.com", "10.0.0.1", 10);
  counter_.down = true;
  EXPECT_TRUE(throttle_.check("ann@example.com", "10.0.0.1").has_value());
  throttle_.recordFailure("ann@example.com", "10.0.0.1");
  throttle_.recordSuccess("ann@example.com");
}

}  // namespace
}  // namespace authd::accounts
