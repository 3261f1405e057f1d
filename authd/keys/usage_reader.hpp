// Where usage reads come from (PostgreSQL's key_usage: store/pg/pg_usage_reader).
#pragma once

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "keys/usage_query.hpp"

namespace authd::keys {

// Sums of one key's, or one user's, counts per bucket of a range.
struct UserUsageRows {
  std::vector<UsageBucket> buckets;   // summed over the user's keys; only buckets with rows
  std::vector<KeyUsageTotal> totals;  // every key of the user with rows in the range, newest key first; with
                                      // per-key buckets, each total's buckets (only those with rows)
};

class UsageReader {
 public:
  virtual ~UsageReader() = default;
  // The sums per bucket of the range for this key of this user (another user's key has none); only buckets with
  // rows, in order.
  virtual Result<std::vector<UsageBucket>> keyUsage(std::string_view userId, std::string_view keyId,
                                                    const UsageRange& range) = 0;
  // The sums per bucket over all of the user's keys, and each key's totals over the range (and, when `perKey`, each
  // key's sums per bucket), read together.
  virtual Result<UserUsageRows> userUsage(std::string_view userId, const UsageRange& range, bool perKey) = 0;
};

}  // namespace authd::keys
