#include "store/pg/pg_pool.hpp"

#include <spdlog/spdlog.h>

#include <memory>

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
                   " application_name=authd" +
                   " options='-c statement_timeout=" + std::to_string(statementTimeout.count()) + "'";
  if (!password.empty()) ci += " password=" + quote(password);
  return ci;
}

PgPool::PgPool(PgPoolOptions options)
    : options_(std::move(options)),
      pool_({.size = options_.size,
             .acquireTimeout = options_.acquireTimeout,
             .exhausted = Error(Code::kDatabaseUnavailable, "Database is busy (pool exhausted)"),
             .connect = [this]() -> Result<std::unique_ptr<pqxx::connection>> {
               try {
                 auto c = std::make_unique<pqxx::connection>(options_.conninfo);
                 if (options_.onConnect) options_.onConnect(*c);
                 return c;
               } catch (const std::exception& e) {
                 spdlog::warn("postgres: connect failed: {}", e.what());
                 return fail(Code::kDatabaseUnavailable);
               }
             },
             .reusable = [](const pqxx::connection& c) { return c.is_open(); }}) {}

PgPool::~PgPool() = default;

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
