// The key cache's second tier in Redis: "authd:key:<hash>" → a small JSON
// record of the key, or "none" for a key known not to exist.
#pragma once

#include "store/redis/redis_pool.hpp"
#include "verify/key_cache.hpp"

namespace authd::store::redis {

class RedisKeyL2 final : public verify::KeyL2 {
 public:
  explicit RedisKeyL2(RedisPool& pool) : pool_(pool) {}
  Result<std::optional<std::shared_ptr<const verify::KeyInfo>>> get(std::string_view hash) override;
  Status put(std::string_view hash, const std::shared_ptr<const verify::KeyInfo>& info,
             std::chrono::seconds ttl) override;
  Status erase(std::string_view hash) override;
  Status clear() override;

 private:
  RedisPool& pool_;
};

// The record's wire form (exposed for tests).
std::string encodeKeyInfo(const verify::KeyInfo& info);
std::shared_ptr<const verify::KeyInfo> decodeKeyInfo(std::string_view text);

}  // namespace authd::store::redis
