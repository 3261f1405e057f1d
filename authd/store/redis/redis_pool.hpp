// A bounded pool of hiredis contexts with RAII leases (a LeasePool). A context that fails
// (NULL reply, I/O error) is freed and the next lease reconnects, so the pool
// recovers by itself when Redis comes back. After a failed connect the pool
// fails fast for a short back-off instead of dialling on every call.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/lease_pool.hpp"

namespace authd::store::redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct RedisPoolOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int size = 8;
  std::chrono::milliseconds timeout{500};  // connect and per-command
  std::chrono::milliseconds backoff{200};  // fail fast this long after a failed connect
};

// Opens one context with the options' timeouts (and AUTH); nullptr on failure.
Context connectRedis(const RedisPoolOptions& o);

using ContextPool = LeasePool<redisContext, ContextDeleter>;

class RedisPool {
 public:
  explicit RedisPool(RedisPoolOptions options);
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // A context on loan; returned (or freed if it failed) on destruction.
  class Lease {
   public:
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    // Runs one command (binary-safe arguments). An error reply is returned as
    // a Reply of type REDIS_REPLY_ERROR; a dead connection is kCacheUnavailable.
    Result<Reply> command(std::initializer_list<std::string_view> args);
    Result<Reply> command(const std::vector<std::string>& args);
    // Sends every command, then reads every reply: one round trip.
    Result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);
    // True once a call failed on this context (it will be freed, not reused).
    bool broken() const { return lease_.broken(); }

   private:
    friend class RedisPool;
    explicit Lease(ContextPool::Lease lease) : lease_(std::move(lease)) {}
    Result<Reply> readReply();
    ContextPool::Lease lease_;
  };

  // Borrows a context, connecting if needed; kCacheUnavailable when Redis is down.
  Result<Lease> acquire();

  // PING on a pooled context.
  Status ping();

  const RedisPoolOptions& options() const { return options_; }
  int open() const { return pool_.open(); }
  uint64_t waits() const { return pool_.waits(); }

 private:
  RedisPoolOptions options_;
  ContextPool pool_;  // connects with options_
};

}  // namespace authd::store::redis
