#include "store/pg/pg_pool.hpp"

#include <spdlog/spdlog.h>

namespace authd::store::pg {
namespace {

std::string quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

std::string makeConninfo(const std::string& host, int port, const std::string& user, const std::string& password,
                         const std::string& dbname, std::chrono::milliseconds connectTimeout,
                         std::chrono::milliseconds statementTimeout) {
  const auto connectSeconds = std::max<int64_t>(1, (connectTimeout.count() + 999) / 1000);
  std::string ci = "host=" + quote(host) + " port=" + std::to_string(port) + " user=" + quote(user) +
                   " dbname=" + quote(dbname) + " connect_timeout=" + std::to_string(connectSeconds) +
                   " application_name=authd" + " options='-c statement_timeout=" +
                   std::to_string(statementTimeout.count()) + "'";
  if (!password.empty()) ci += " password=" + quote(password);
  return ci;
}

PgPool::PgPool(PgPoolOptions options) : options_(std::move(options)) {}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (pool_ && conn_) pool_->release(std::move(conn_), broken_);
}

Result<PgPool::Lease> PgPool::acquire() {
  {
    std::unique_lock lock(mu_);
    bool waited = false;
    const auto deadline = std::chrono::steady_clock::now() + options_.acquireTimeout;
    while (idle_.empty() && open_.load() >= options_.size) {
      if (!waited) waits_.fetch_add(1);
      waited = true;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_.load() >= options_.size) {
        return fail(Code::kDatabaseUnavailable, "Database is busy (pool exhausted)");
      }
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c), false);
    }
    open_.fetch_add(1);  // reserve a slot, connect outside the lock
  }
  try {
    auto c = std::make_unique<pqxx::connection>(options_.conninfo);
    if (options_.onConnect) options_.onConnect(*c);
    return Lease(this, std::move(c), true);
  } catch (const std::exception& e) {
    open_.fetch_sub(1);
    cv_.notify_one();
    spdlog::warn("postgres: connect failed: {}", e.what());
    return fail(Code::kDatabaseUnavailable);
  }
}

void PgPool::release(std::unique_ptr<pqxx::connection> c, bool broken) {
  if (broken || !c->is_open()) {
    c.reset();
    open_.fetch_sub(1);
    // One dead connection usually means the server restarted: the idle ones are dead too,
    // so drop them rather than let each fail one request.
    std::vector<std::unique_ptr<pqxx::connection>> dropped;
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

Error PgPool::classify(const std::exception& e, bool& broken) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) || dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    broken = true;
    spdlog::warn("postgres: connection lost: {}", e.what());
    return Error(Code::kDatabaseUnavailable);
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    // 08xxx connection exceptions, 57P0x shutdown/cannot connect, 57014 statement timeout.
    if (state.starts_with("08") || state.starts_with("57P")) {
      broken = true;
      return Error(Code::kDatabaseUnavailable);
    }
    if (state == "57014" || state == "53300") return Error(Code::kDatabaseUnavailable);
    spdlog::error("postgres: {} (sqlstate {})", sql->what(), state);
    return Error(Code::kInternal);
  }
  spdlog::error("postgres: {}", e.what());
  return Error(Code::kInternal);
}

Status PgPool::ping() {
  return run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT 1");
  });
}

}  // namespace authd::store::pg
