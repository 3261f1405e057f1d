// A bounded pool of hiredis contexts with RAII leases. A context that fails
// (NULL reply, I/O error) is freed and the next lease reconnects, so the pool
// recovers by itself when Redis comes back. After a failed connect the pool
// fails fast for a short back-off instead of dialling on every call.
#pragma once

#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

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
  std::chrono::milliseconds timeout{500};     // connect and per-command
  std::chrono::milliseconds backoff{200};     // fail fast this long after a failed connect
};

// Opens one context with the options' timeouts (and AUTH); nullptr on failure.
Context connectRedis(const RedisPoolOptions& o);

class RedisPool {
 public:
  explicit RedisPool(RedisPoolOptions options);
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // A context on loan; returned (or freed if it failed) on destruction.
  class Lease {
   public:
    Lease(Lease&& o) noexcept : pool_(o.pool_), ctx_(std::move(o.ctx_)), broken_(o.broken_) { o.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    // Runs one command (binary-safe arguments). An error reply is returned as
    // a Reply of type REDIS_REPLY_ERROR; a dead connection is kCacheUnavailable.
    Result<Reply> command(std::initializer_list<std::string_view> args);
    Result<Reply> command(const std::vector<std::string>& args);
    // Sends every command, then reads every reply: one round trip.
    Result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);

   private:
    friend class RedisPool;
    Lease(RedisPool* p, Context c) : pool_(p), ctx_(std::move(c)) {}
    Result<Reply> readReply();
    RedisPool* pool_;
    Context ctx_;
    bool broken_ = false;
  };

  // Borrows a context, connecting if needed; kCacheUnavailable when Redis is down.
  Result<Lease> acquire();

  // PING on a pooled context.
  Status ping();

  const RedisPoolOptions& options() const { return options_; }
  int open() const { return open_.load(); }
  uint64_t waits() const { return waits_.load(); }

 private:
  void release(Context c, bool broken);

  RedisPoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Context> idle_;
  std::atomic<int> open_{0};
  std::atomic<uint64_t> waits_{0};
  std::atomic<int64_t> downUntilNs_{0};
};

}  // namespace authd::store::redis
