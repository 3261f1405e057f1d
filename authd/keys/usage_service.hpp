// Usage reads for the key API: only the caller's own keys, every bucket of the
// range (zeros where nothing was counted).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keys/key_store.hpp"
#include "keys/usage_query.hpp"
#include "keys/usage_reader.hpp"

namespace authd::keys {

// GET /keys/:id/usage.
struct KeyUsage {
  std::string keyId;
  std::vector<UsageBucket> buckets;  // every bucket of the range
};

// GET /usage.
struct UserUsage {
  std::vector<UsageBucket> buckets;   // every bucket of the range, summed over the user's keys
  std::vector<KeyUsageTotal> totals;  // the user's keys with any usage in the range, newest first (zero-filled
                                      // buckets of their own when asked per key)
};

class UsageService {
 public:
  UsageService(KeyRepository& keys, UsageReader& reader) : keys_(keys), reader_(reader) {}
  // One of the user's keys: kInvalidId for a malformed id, kNotFound for an unknown id or another user's key
  // (indistinguishable on purpose, as for GET /keys/:id).
  Result<KeyUsage> forKey(std::string_view userId, std::string_view keyId, const UsageRange& range);
  // All of the user's keys; `perKey`: each key's buckets too (every bucket of the range; kValidationFailed for a
  // range of more than kMaxPerKeyBuckets).
  Result<UserUsage> forUser(std::string_view userId, const UsageRange& range, bool perKey = false);

 private:
  KeyRepository& keys_;
  UsageReader& reader_;
};

}  // namespace authd::keys
