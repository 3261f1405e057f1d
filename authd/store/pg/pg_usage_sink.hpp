// Usage counts into PostgreSQL (key_usage): each chunk in one transaction
// together with its marker in usage_flushes, so a chunk applied before (by a
// flusher that died after its commit) is skipped: counted exactly once. Also
// the retention prune.
#pragma once

#include "store/pg/pg_pool.hpp"
#include "verify/usage.hpp"

namespace authd::store::pg {

class PgUsageSink final : public verify::UsageSink {
 public:
  explicit PgUsageSink(PgPool& pool) : pool_(pool) {}
  Result<bool> addUsage(std::string_view chunkId, const std::vector<verify::UsageRow>& rows) override;
  Result<size_t> pruneUsage(int64_t usageBefore, int64_t chunksBefore) override;

 private:
  PgPool& pool_;
};

}  // namespace authd::store::pg
