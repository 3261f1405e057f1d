// Usage counting end to end (issue 15's write path, then the read API): a known
// number of requests of each outcome (valid, rate_limited, disabled, expired,
// revoked, other = insufficient_scope) through nginx, spread over both authd
// instances by the routes pinned to each, are what GET /keys/:id/usage and
// GET /usage answer within a flush interval (LAST_USED_FLUSH_MS), exactly:
// none lost, none counted twice. The expected counts are tallied from nginx's
// own answers (a request answered invalid_key, before an instance knows a new
// key, is not counted by design), so the test does not depend on timing.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/dotenv.hpp"
#include "core/time_format.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/key_api.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The outcomes as the usage API names them (usageExceeded is not exercised: no key here has credits).
const std::vector<std::string> kFields{"valid",   "rateLimited", "usageExceeded", "disabled",
                                       "expired", "revoked",     "other"};
using Tally = std::map<std::string, int64_t>;

// The stack's LAST_USED_FLUSH_MS (scripts/test.sh sets 1000).
std::chrono::milliseconds flushInterval() {
  std::ifstream in(testEnv().stateDir + "/stack.env");
  std::ostringstream text;
  text << in.rdbuf();
  const auto env = config::parseDotenv(text.str());
  if (env) {
    if (const auto it = env->find("LAST_USED_FLUSH_MS"); it != env->end()) {
      return std::chrono::milliseconds(std::stoll(it->second));
    }
  }
  return 5000ms;  // authd's default
}

// One key's requests and what they were answered.
struct Counted {
  Key key;
  Tally tally;
};

// Sends one request for `c`'s key through instance n's pinned `route` and tallies the outcome nginx answered;
// returns the answer's code ("ok" for a 200). An answer no outcome explains fails the test.
std::string send(Counted& c, int n, std::string_view route) {
  const auto r = viaInstance(n, route, c.key.key);
  if (!r) {
    ADD_FAILURE() << "no answer from /pinned/" << n << "/" << route << ": " << lastError();
    return "";
  }
  if (r->status == 200) {
    ++c.tally["valid"];
    return "ok";
  }
  const std::string code = r->json().is_object() ? r->json().value("code", "") : "";
  static const std::map<std::string, std::pair<int, std::string>> kCounted{{"rate_limited", {429, "rateLimited"}},
                                                                           {"key_disabled", {401, "disabled"}},
                                                                           {"key_expired", {401, "expired"}},
                                                                           {"key_revoked", {401, "revoked"}},
                                                                           {"insufficient_scope", {403, "other"}}};
  if (const auto it = kCounted.find(code); it != kCounted.end() && it->second.first == r->status) {
    ++c.tally[it->second.second];
  } else if (!(r->status == 401 && code == "invalid_key")) {  // not yet known there: not counted
    ADD_FAILURE() << "/pinned/" << n << "/" << route << " answered " << *r;
  }
  return code;
}

// Sends for `c` on both instances, alternately, until each answered `code`, then `more` requests on each.
void untilBothAnswer(Counted& c, std::string_view code, int more, std::chrono::milliseconds within = 5s) {
  for (const int n : {1, 2}) {
    EXPECT_TRUE(eventually([&] { return send(c, n, "service-only") == code; }, within, 50ms))
        << "instance " << n << " never answered " << code;
    for (int i = 0; i < more; ++i) EXPECT_EQ(send(c, n, "service-only"), code) << "instance " << n;
  }
}

// The key's counts summed over every minute bucket of [from, to): each field of kFields.
Tally usageOf(const Account& a, const Key& k, int64_t from, int64_t to) {
  const auto r = getKeyUsage(a, k.id,
                             "?granularity=minute&from=" + formatIso8601(SysTime(std::chrono::seconds(from))) +
                                 "&to=" + formatIso8601(SysTime(std::chrono::seconds(to))));
  Tally out;
  if (!r || r->status != 200) return out;
  const auto body = r->json();  // bound: a range-for over a member of the temporary would dangle
  for (const auto& b : body["buckets"]) {
    for (const auto& f : kFields) {
      const int64_t v = b.value(f, int64_t{0});
      if (v != 0) out[f] += v;
    }
  }
  return out;
}

std::string show(const Tally& t) {
  std::string s = "{";
  for (const auto& [k, v] : t) s += k + ":" + std::to_string(v) + " ";
  return s + "}";
}

// Tally without zero entries, as usageOf builds it.
Tally nonZero(const Tally& t) {
  Tally out;
  for (const auto& [k, v] : t) {
    if (v != 0) out[k] = v;
  }
  return out;
}

// Every key's usage equals what was tallied, within a few flush intervals (polled).
void expectCounted(const Account& a, const std::vector<Counted*>& keys, int64_t from) {
  const auto within = flushInterval() * 3 + 5s;
  for (const Counted* c : keys) {
    Tally seen;
    const bool equal = eventually(
        [&] {
          seen = usageOf(a, c->key, from, nowMs() / 1000 + 120);
          return seen == nonZero(c->tally);
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(within), 100ms);
    EXPECT_TRUE(equal) << "key " << c->key.created.value("name", "") << ": usage " << show(seen) << ", sent "
                       << show(nonZero(c->tally));
  }
}

// Each outcome, on both instances, is counted exactly once: by key and minute, and in GET /usage's totals.
TEST(E2eUsageCountingTest, EveryOutcomeIsCountedExactlyOnce) {
  const uint16_t port = testEnv().nginxPort;
  const Account a = signup(port, "e2e-usage-count");
  ASSERT_FALSE(a.id.empty());
  const int64_t from = nowMs() / 1000 / 60 * 60 - 60;  // the minute before this test's first request
  Counted plain{createKey(port, a, {{"name", "plain"}}), {}};
  Counted limited{createKey(port, a, {{"name", "limited"}, {"rateLimit", {{"limit", 3}, {"windowSeconds", 86400}}}}),
                  {}};
  Counted disabled{createKey(port, a, {{"name", "disabled"}}), {}};
  Counted revoked{createKey(port, a, {{"name", "revoked"}}), {}};
  const std::string soon = formatIso8601(std::chrono::system_clock::now() + 3s);
  Counted expiring{createKey(port, a, {{"name", "expiring"}, {"expiresAt", soon}}), {}};
  for (const Counted* c : {&plain, &limited, &disabled, &revoked, &expiring}) ASSERT_FALSE(c->key.id.empty());

  // valid, then other (the reports route needs a scope the key lacks).
  untilBothAnswer(plain, "ok", 4);
  for (const int n : {1, 2}) {
    for (int i = 0; i < 3; ++i) EXPECT_EQ(send(plain, n, "reports"), "insufficient_scope");
  }
  // 3 admitted across both instances (2 of them while both learn of the key), then rate_limited.
  untilBothAnswer(limited, "ok", 0);
  for (int i = 0; i < 6; ++i) send(limited, i % 2 + 1, "service-only");
  EXPECT_EQ(limited.tally["valid"], 3) << show(limited.tally);
  EXPECT_EQ(limited.tally["rateLimited"], 5) << show(limited.tally);
  // Used, then disabled through instance 1: key_disabled on both.
  untilBothAnswer(disabled, "ok", 1);
  const auto patched = patchKey(a, disabled.key.id, {{"enabled", false}}, 1);
  ASSERT_TRUE(patched && patched->status == 200) << describe(patched);
  untilBothAnswer(disabled, "key_disabled", 2);
  // Used, then revoked: key_revoked on both.
  untilBothAnswer(revoked, "ok", 1);
  const auto deleted = request(port, "DELETE", "/keys/" + revoked.key.id, bearer(a.accessToken));
  ASSERT_TRUE(deleted && deleted->status == 200) << describe(deleted);
  untilBothAnswer(revoked, "key_revoked", 2);
  // Valid until its expiry, then key_expired.
  untilBothAnswer(expiring, "key_expired", 2, 10s);

  const std::vector<Counted*> all{&plain, &limited, &disabled, &revoked, &expiring};
  expectCounted(a, all, from);

  // A second round on one key: the new total exactly, so nothing of the first round was added twice.
  for (const int n : {1, 2}) {
    for (int i = 0; i < 5; ++i) EXPECT_EQ(send(plain, n, "service-only"), "ok");
  }
  expectCounted(a, {&plain}, from);

  // GET /usage lists each key with its totals.
  const auto r = getUsage(a, "?granularity=minute&from=" + formatIso8601(SysTime(std::chrono::seconds(from))) +
                                 "&to=" + formatIso8601(SysTime(std::chrono::seconds(nowMs() / 1000 + 120))));
  ASSERT_TRUE(r && r->status == 200) << describe(r);
  std::map<std::string, json> byId;
  const auto body = r->json();  // bound: a range-for over a member of the temporary would dangle
  for (const auto& k : body["keys"]) byId[k.value("keyId", "")] = k;
  ASSERT_EQ(byId.size(), all.size()) << r->body;
  for (const Counted* c : all) {
    SCOPED_TRACE(c->key.created.value("name", ""));
    const json& k = byId[c->key.id];
    auto t = c->tally;
    EXPECT_EQ(k.value("valid", -1), t["valid"]);
    EXPECT_EQ(k.value("rateLimited", -1), t["rateLimited"]);
    EXPECT_EQ(k.value("usageExceeded", -1), t["usageExceeded"]);
    EXPECT_EQ(k.value("denied", -1), t["disabled"] + t["expired"] + t["revoked"] + t["other"]);
  }
}

}  // namespace
}  // namespace authd::testing
