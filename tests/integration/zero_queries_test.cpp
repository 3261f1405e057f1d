// Key-guessing floods never reach PostgreSQL: 2,000 keys with a bad checksum
// and 2,000 distinct well-formed keys that were never issued, sent to /verify
// on instance 1 (and some through nginx), are all refused while the number of
// executions of the key lookup statement (pg_stat_statements) stays the same;
// once under the stack's key prefix (sk_), once under other prefixes (keys of
// an earlier API_KEY_PREFIX are well-formed too). A cold, valid key then does
// go to PostgreSQL: the counter being read is the right one, so the zero is not
// vacuous. Uses the running stack.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kBadChecksumKeys = 2000;
constexpr int kUnknownKeys = 2000;
constexpr int kThreads = 4;
constexpr int kEveryNthThroughNginx = 8;

constexpr const char* kLookupCalls =
    "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query LIKE '%FROM api_keys WHERE key_hash%'";
constexpr const char* kLookupRows =
    "SELECT count(*)::bigint FROM pg_stat_statements WHERE query LIKE '%FROM api_keys WHERE key_hash%'";

int64_t scalar(store::pg::PgPool& pool, const char* sql) {
  auto r = pool.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec1(sql)[0].as<int64_t>();
  });
  EXPECT_TRUE(r.has_value()) << sql << ": " << (r ? "" : r.error().message);
  return r.value_or(-1);
}

// Why the answer to `key` is not the expected refusal, or "" when it is.
std::string checkRefusal(const std::optional<HttpResult>& r, bool viaNginx, const std::string& code) {
  if (!r) return describe(r);
  if (r->status != 401) return "status: " + describe(r);
  if (viaNginx) {
    const auto j = r->json();
    if (!j.is_object() || j.value("code", "") != code) return "code: " + describe(r);
  } else if (r->header("x-auth-error") != code) {
    return "X-Auth-Error: " + describe(r);
  }
  return {};
}

// Sends every key (spread over kThreads threads), each to instance 1's /verify or, every kEveryNthThroughNginx-th,
// through nginx; returns the first few wrong answers and counts them in `wrong`.
std::vector<std::string> flood(const std::vector<std::string>& keys, const std::string& code, int& wrong) {
  const TestEnv& env = testEnv();
  std::atomic<int> bad{0};
  std::mutex mu;
  std::vector<std::string> samples;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < keys.size(); i += kThreads) {
        const bool viaNginx = i % kEveryNthThroughNginx == 0;
        // Both headers a key can come in.
        const Headers h =
            i % 2 == 0 ? Headers{{"x-api-key", keys[i]}} : Headers{{"Authorization", "Bearer " + keys[i]}};
        const auto r = viaNginx ? get(env.nginxPort, "/protected/service-only", h) : verifyOn(1, "?mode=apikey", h);
        const std::string why = checkRefusal(r, viaNginx, code);
        if (!why.empty()) {
          ++bad;
          std::lock_guard lock(mu);
          if (samples.size() < 5) samples.push_back((viaNginx ? "nginx: " : "instance 1: ") + why);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  wrong = bad.load();
  return samples;
}

// An instance just (re)started trusts its key filter only once its invalidation subscription is up: until then an
// unknown key is looked up. Waits (up to 5 s) until a fresh unknown key on instance n costs no lookup.
bool waitUntilFilterTrusted(store::pg::PgPool& pool, int n) {
  return eventually(
      [&] {
        const int64_t before = scalar(pool, kLookupCalls);
        const auto r = verifyKeyOn(n, keys::generateKey(keys::kDefaultKeyPrefix).key);
        return r && r->status == 401 && scalar(pool, kLookupCalls) == before;
      },
      5s);
}

// A key that fails only its checksum: the last digit moved on by one.
std::string withBadChecksum(std::string k) {
  k.back() = k.back() == 'f' ? '0' : static_cast<char>(k.back() == '9' ? 'a' : k.back() + 1);
  return k;
}

// Floods instance 1 (and nginx) with keys under `prefixes` (in turn) that have a bad checksum (plus, when
// `swapPrefixes`, valid keys whose prefix was exchanged for another: the checksum covers it), then with
// well-formed keys that were never issued; expects every one refused and no key lookup in PostgreSQL.
void expectFloodWithoutLookups(const std::vector<std::string>& prefixes, bool swapPrefixes) {
  auto pool = makeTestPgPool(1);
  for (const int n : {1, 2})
    ASSERT_TRUE(waitUntilFilterTrusted(*pool, n)) << "instance " << n << " keeps looking up unknown keys";
  // Stable before the flood: nothing else is looking keys up.
  const int64_t before = scalar(*pool, kLookupCalls);
  ASSERT_GE(before, 0);

  std::vector<std::string> badChecksum;
  std::vector<std::string> unknown;
  for (int i = 0; i < kBadChecksumKeys; ++i) {
    const std::string& prefix = prefixes[static_cast<size_t>(i) % prefixes.size()];
    std::string k = keys::generateKey(prefix).key;
    if (swapPrefixes && i % 2 == 1) {
      const std::string& other = prefixes[static_cast<size_t>(i + 1) % prefixes.size()];
      k = other + k.substr(prefix.size());
    } else {
      k = withBadChecksum(std::move(k));
    }
    ASSERT_FALSE(keys::isWellFormedKey(k)) << k;
    badChecksum.push_back(std::move(k));
  }
  for (int i = 0; i < kUnknownKeys; ++i)
    unknown.push_back(keys::generateKey(prefixes[static_cast<size_t>(i) % prefixes.size()]).key);

  const auto start = std::chrono::steady_clock::now();
  int wrongMalformed = 0;
  int wrongUnknown = 0;
  const auto samplesMalformed = flood(badChecksum, "malformed_key", wrongMalformed);
  const auto samplesUnknown = flood(unknown, "invalid_key", wrongUnknown);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);

  EXPECT_EQ(wrongMalformed, 0) << "bad-checksum keys not refused as malformed_key, e.g. "
                               << (samplesMalformed.empty() ? "" : samplesMalformed.front());
  for (const auto& s : samplesMalformed) ADD_FAILURE() << s;
  EXPECT_EQ(wrongUnknown, 0) << "unknown keys not refused as invalid_key, e.g. "
                             << (samplesUnknown.empty() ? "" : samplesUnknown.front());
  for (const auto& s : samplesUnknown) ADD_FAILURE() << s;

  const int64_t after = scalar(*pool, kLookupCalls);
  EXPECT_EQ(after, before) << (after - before) << " key lookups in PostgreSQL during a flood of "
                           << kBadChecksumKeys + kUnknownKeys << " guessed keys (" << took.count() << " ms)";
}

// No PostgreSQL key lookup for keys with a bad checksum or for well-formed keys that do not exist.
TEST(ZeroQueriesTest, GuessedKeysNeverReachPostgres) {
  expectFloodWithoutLookups({std::string(keys::kDefaultKeyPrefix)}, false);
}

// The same for keys under prefixes other than the stack's API_KEY_PREFIX (sk_): such keys are well-formed (issued
// under an earlier prefix, say) and still cost no lookup when unknown; with a bad checksum, or a prefix exchanged
// for another one, they are malformed.
TEST(ZeroQueriesTest, GuessedKeysOfOtherPrefixesNeverReachPostgres) {
  expectFloodWithoutLookups({"acme_", "zz9_", "abcdefghijklmnop_", std::string(keys::kDefaultKeyPrefix)}, true);
}

// Control: a valid key that no cache has seen (inserted straight into PostgreSQL, so no instance remembered it and
// Redis never cached it) is found, and finding it runs the statement the test above counts.
TEST(ZeroQueriesTest, ColdValidKeyIsLookedUpInPostgres) {
  auto pool = makeTestPgPool(1);
  const keys::NewKey key = keys::generateKey(keys::kDefaultKeyPrefix);
  auto ids = pool->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto user =
        tx.exec_params1(
              "INSERT INTO users (email, password_hash, name) VALUES ($1, 'x', 'zero queries') RETURNING id::text",
              "it-zeroq-" + crypto::uuidV4() + "@example.com")[0]
            .as<std::string>();
    const auto keyId = tx.exec_params1(
                             "INSERT INTO api_keys (user_id, name, key_hash, prefix) VALUES ($1::uuid, 'cold', $2, $3) "
                             "RETURNING id::text",
                             user, key.hash, key.prefix)[0]
                           .as<std::string>();
    tx.commit();
    return std::pair{user, keyId};
  });
  ASSERT_TRUE(ids.has_value()) << ids.error().message;
  const int64_t before = scalar(*pool, kLookupCalls);

  // The insert is announced by the PostgreSQL change poll (no pub/sub for SQL writes): within about a second.
  std::optional<HttpResult> last;
  const bool found = eventually(
      [&] {
        last = verifyKeyOn(1, key.key);
        return last && last->status == 200;
      },
      3s);
  EXPECT_TRUE(found) << "a key inserted in PostgreSQL is not accepted: " << describe(last);
  if (found) {
    EXPECT_EQ(last->header("x-key-id"), ids->second);
  }
  const int64_t after = scalar(*pool, kLookupCalls);
  EXPECT_GE(scalar(*pool, kLookupRows), 1) << "pg_stat_statements has no key lookup statement: the count is not "
                                              "measuring anything";
  std::cerr << "note: key lookups for the cold key: " << (after - before) << "\n";

  (void)pool->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("DELETE FROM users WHERE id = $1::uuid", ids->first);
    tx.commit();
  });
}

}  // namespace
}  // namespace authd::testing
