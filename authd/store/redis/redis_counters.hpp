// Windowed counters in Redis, shared by every instance: one round trip per
// operation (pipelined). Login throttling and API key rate limits both count here.
#pragma once

#include "core/windowed_counter.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::store::redis {

class RedisWindowedCounter final : public WindowedCounter {
 public:
  explicit RedisWindowedCounter(RedisPool& pool) : pool_(pool) {}
  Result<WindowCount> increment(std::string_view key, std::chrono::seconds window) override;
  Status decrement(std::string_view key) override;
  Status reset(std::string_view key) override;

 private:
  RedisPool& pool_;
};

}  // namespace authd::store::redis
