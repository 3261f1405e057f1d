#include "store/redis/redis_pool.hpp"

#include <spdlog/spdlog.h>

namespace authd::store::redis {
namespace {

timeval toTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
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

RedisPool::RedisPool(RedisPoolOptions options)
    : options_(std::move(options)),
      pool_({.size = options_.size,
             .acquireTimeout = options_.timeout,
             .backoff = options_.backoff,
             .exhausted = unavailable(),
             .connect = [this]() -> Result<Context> {
               if (auto c = connectRedis(options_)) return c;
               return fail(unavailable());
             },
             .reusable = [](const redisContext& c) { return c.err == 0; }}) {}

Result<Reply> RedisPool::Lease::readReply() {
  void* raw = nullptr;
  if (redisGetReply(&lease_.conn(), &raw) != REDIS_OK || raw == nullptr) {
    lease_.markBroken();
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
  if (lease_.broken() ||
      redisAppendCommandArgv(&lease_.conn(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
    lease_.markBroken();
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
  if (lease_.broken()) return fail(unavailable());
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(&lease_.conn(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      lease_.markBroken();
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
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  return Lease(std::move(*lease));
}

Status RedisPool::ping() {
  // Twice at most: a first failure on a stale context drops the idle ones, the second try connects afresh.
  // The probe dials even during the back-off: a request's failed connect a moment before Redis came
  // back must not make /readyz answer "down" once it is up.
  for (int attempt = 0;; ++attempt) {
    auto pooled = pool_.acquire(ContextPool::Dial::kAlways);
    if (!pooled) return fail(pooled.error());
    Lease lease(std::move(*pooled));
    auto r = lease.command({"PING"});
    if (r) {
      if ((*r)->type == REDIS_REPLY_ERROR) return fail(Code::kCacheUnavailable, (*r)->str);
      return {};
    }
    if (attempt > 0) return fail(r.error());
  }
}

}  // namespace authd::store::redis
