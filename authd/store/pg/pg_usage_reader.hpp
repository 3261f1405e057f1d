// PostgreSQL implementation of keys::UsageReader, over key_usage (sql/005).
#pragma once

#include "keys/usage_reader.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgUsageReader final : public keys::UsageReader {
 public:
  explicit PgUsageReader(PgPool& pool) : pool_(pool) {}
  Result<std::vector<keys::UsageBucket>> keyUsage(std::string_view userId, std::string_view keyId,
                                                  const keys::UsageRange& range) override;
  Result<keys::UserUsageRows> userUsage(std::string_view userId, const keys::UsageRange& range, bool perKey) override;

 private:
  PgPool& pool_;
};

}  // namespace authd::store::pg
