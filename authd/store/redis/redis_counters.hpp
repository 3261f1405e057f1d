// Window counters in Redis: one round trip per operation (pipelined).
#pragma once

#include "accounts/login_throttle.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::store::redis {

class RedisAttemptCounter final : public accounts::AttemptCounter {
 public:
  explicit RedisAttemptCounter(RedisPool& pool) : pool_(pool) {}
  Result<accounts::WindowCount> increment(std::string_view key, std::chrono::seconds window) override;
  Status decrement(std::string_view key) override;
  Status reset(std::string_view key) override;

 private:
  RedisPool& pool_;
};

}  // namespace authd::store::redis
