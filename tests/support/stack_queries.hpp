// Reads and writes straight to the test stack's PostgreSQL and Redis, for
// tests that check what authd stored (or set up what an operator would).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/pg/pg_pool.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::testing {

// A user of its own for one test (`tag` names it); its id, or "" and a failed test on a database error.
std::string insertTestUser(store::pg::PgPool& pool, const std::string& tag);
// Deletes the user, and by cascade its keys and their usage.
void deleteTestUser(store::pg::PgPool& pool, const std::string& userId);
// Inserts n api_keys rows named `name` for the user (random hashes); their ids (empty and a failed test on an error).
std::vector<std::string> insertTestKeys(store::pg::PgPool& pool, const std::string& userId, int n,
                                        const std::string& name);

// Runs one SQL statement with one parameter against the test PostgreSQL; rows affected (-1, and a failed test,
// on a database error).
int execSql(const std::string& sql, const std::string& param);

// api_keys.last_used_at in unix ms; nullopt when NULL (or on a database error, which fails the test).
std::optional<int64_t> lastUsedMs(store::pg::PgPool& pool, const std::string& keyId);

// A key's credits columns: remaining (-1: NULL, unlimited), the grant's version and the refill period.
struct StoredCredits {
  int64_t remaining = -1;
  int64_t version = 0;
  int64_t period = 0;
};
// nullopt when there is no such key (or on a database error, which fails the test).
std::optional<StoredCredits> storedCredits(store::pg::PgPool& pool, const std::string& keyId);

// A live balance as /verify's admission leaves it in Redis: authd:cr:<keyId> {v, r, p}, and the key in
// authd:cr:dirty at `scoreMs`, for the flush-back to take to PostgreSQL. false (and a failed test) on an error.
bool writeCreditBalance(store::redis::RedisPool& redis, const std::string& keyId, int64_t version, int64_t remaining,
                        int64_t period, int64_t scoreMs);

// Whether authd:cr:dirty still names the key (its balance not flushed back yet).
bool creditsDirty(store::redis::RedisPool& redis, const std::string& keyId);
// Adds one key_usage row (a key's counts in one UTC minute, unix s) to the test PostgreSQL as a flush would, adding
// to a row already there. The counts in key_usage's order: valid, rate_limited, usage_exceeded, disabled, expired,
// revoked, other. False (and a failed test) on a database error.
bool seedUsage(const std::string& keyId, int64_t minute, const std::array<int64_t, 7>& counts);

// Which of the shared lastUsedAt queue's sorted sets queuedInRedis looks in.
enum class LastUsedSets {
  kLive,            // authd:lastused only: the use is waiting for a flush
  kLiveOrFlushing,  // also authd:lastused:flushing: a flush has claimed it
};

// Whether the shared lastUsedAt queue in Redis holds the key id.
bool queuedInRedis(store::redis::RedisPool& redis, const std::string& keyId, LastUsedSets sets);

}  // namespace authd::testing
