#include "store/redis/redis_pool.hpp"

#include <spdlog/spdlog.h>

namespace authd::store::redis {
namespace {

timeval toTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Error unavailable() { return Error(Code::kCacheUnavailable); }

}  // namespace

Context connectRedis(const RedisPoolOptions& o) {
  Context c(redisConnectWithTimeout(o.host.c_str(), o.port, toTimeval(o.timeout)));
  if (!c || c->err) {
    spdlog::warn("redis: connect to {}:{} failed: {}", o.host, o.port, c ? c->errstr : "out of memory");
    return nullptr;
  }
  redisSetTimeout(c.get(), toTimeval(o.timeout));
  if (!o.password.empty()) {
    const char* argv[] = {"AUTH", o.password.c_str()};
    const size_t lens[] = {4, o.password.size()};
    Reply r(static_cast<redisReply*>(redisCommandArgv(c.get(), 2, argv, lens)));
    if (!r || r->type == REDIS_REPLY_ERROR) {
      spdlog::warn("redis: AUTH failed");
      return nullptr;
    }
  }
  return c;
}

RedisPool::RedisPool(RedisPoolOptions options) : options_(std::move(options)) {}

RedisPool::Lease::~Lease() {
  if (pool_ && ctx_) pool_->release(std::move(ctx_), broken_);
}

Result<Reply> RedisPool::Lease::readReply() {
  void* raw = nullptr;
  if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
    broken_ = true;
    return fail(unavailable());
  }
  return Reply(static_cast<redisReply*>(raw));
}

Result<Reply> RedisPool::Lease::command(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (broken_ || redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) !=
                     REDIS_OK) {
    broken_ = true;
    return fail(unavailable());
  }
  return readReply();
}

Result<Reply> RedisPool::Lease::command(const std::vector<std::string>& args) {
  auto r = pipeline({args});
  if (!r) return fail(r.error());
  return std::move(r->front());
}

Result<std::vector<Reply>> RedisPool::Lease::pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return fail(unavailable());
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      broken_ = true;
      return fail(unavailable());
    }
  }
  std::vector<Reply> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto r = readReply();
    if (!r) return fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<RedisPool::Lease> RedisPool::acquire() {
  {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    bool waited = false;
    while (idle_.empty() && open_.load() >= options_.size) {
      if (!waited) waits_.fetch_add(1);
      waited = true;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_.load() >= options_.size) {
        return fail(unavailable());
      }
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (nowNs() < downUntilNs_.load(std::memory_order_relaxed)) return fail(unavailable());
    open_.fetch_add(1);
  }
  auto c = connectRedis(options_);
  if (!c) {
    open_.fetch_sub(1);
    downUntilNs_.store(nowNs() + std::chrono::nanoseconds(options_.backoff).count(), std::memory_order_relaxed);
    cv_.notify_one();
    return fail(unavailable());
  }
  return Lease(this, std::move(c));
}

void RedisPool::release(Context c, bool broken) {
  if (broken || c->err) {
    c.reset();
    open_.fetch_sub(1);
    // A dead context usually means Redis restarted: the idle ones are dead too.
    std::vector<Context> dropped;
    {
      std::lock_guard lock(mu_);
      dropped.swap(idle_);
      open_.fetch_sub(static_cast<int>(dropped.size()));
    }
  } else {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

Status RedisPool::ping() {
  // Twice at most: a first failure on a stale context drops the idle ones, the second try connects afresh.
  for (int attempt = 0;; ++attempt) {
    auto lease = acquire();
    if (!lease) return fail(lease.error());
    auto r = lease->command({"PING"});
    if (r) {
      if ((*r)->type == REDIS_REPLY_ERROR) return fail(Code::kCacheUnavailable, (*r)->str);
      return {};
    }
    if (attempt > 0) return fail(r.error());
  }
}

}  // namespace authd::store::redis
