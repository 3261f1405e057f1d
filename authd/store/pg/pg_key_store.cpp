#include "store/pg/pg_key_store.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "core/crypto.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/sql.hpp"

namespace authd::store::pg {
namespace {

keys::KeyRecord toKey(const pqxx::row& r) {
  keys::KeyRecord k;
  k.id = r[0].as<std::string>();
  k.userId = r[1].as<std::string>();
  k.name = r[2].as<std::string>();
  k.prefix = r[3].as<std::string>();
  const auto scopes = nlohmann::json::parse(r[4].as<std::string>(), nullptr, false);
  if (scopes.is_array()) {
    for (const auto& s : scopes) {
      if (s.is_string()) k.scopes.push_back(s.get<std::string>());
    }
  }
  const auto limit = r[5].as<int64_t>();
  const auto window = r[6].as<int64_t>();
  if (limit >= 0 && window > 0) k.rateLimit = keys::RateLimit{limit, window};
  k.isActive = r[7].as<bool>();
  if (const auto e = r[8].as<int64_t>(); e >= 0) k.expiresAt = fromUnixMillis(e);
  if (const auto u = r[9].as<int64_t>(); u >= 0) k.lastUsedAt = fromUnixMillis(u);
  k.createdAt = fromUnixMillis(r[10].as<int64_t>());
  return k;
}

// A PostgreSQL array literal of elements that need no escaping beyond quotes
// (scopes are [a-z0-9:._-], ids are UUIDs, times are integers).
template <typename Range, typename Fn>
std::string arrayLiteral(const Range& items, Fn element) {
  std::string out = "{";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += element(item);
    out += '"';
  }
  return out + "}";
}

}  // namespace

Result<keys::KeyRecord> PgKeyStore::create(std::string_view userId, const keys::CreateKeyRequest& req,
                                           std::string_view keyHash, std::string_view prefix) {
  const std::string u(userId), h(keyHash), p(prefix);
  const std::string scopes = arrayLiteral(req.scopes, [](const std::string& s) { return s; });
  const int64_t limit = req.rateLimit ? req.rateLimit->limit : -1;
  const int64_t window = req.rateLimit ? req.rateLimit->windowSeconds : -1;
  const int64_t expires = req.expiresAt ? toUnixMillis(*req.expiresAt) : -1;
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto row = tx.exec_prepared1("insert_key", u, req.name, h, p, scopes, limit, window, expires);
    tx.commit();
    return toKey(row);
  });
}

Result<std::vector<keys::KeyRecord>> PgKeyStore::listByUser(std::string_view userId) {
  const std::string u(userId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<keys::KeyRecord> out;
    for (const auto& row : tx.exec_prepared("keys_by_user", u)) out.push_back(toKey(row));
    return out;
  });
}

Result<std::optional<std::string>> PgKeyStore::revoke(std::string_view userId, std::string_view keyId) {
  const std::string u(userId), k(keyId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::work tx(c);
    const auto rows = tx.exec_prepared("revoke_key", k, u);
    tx.commit();
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  });
}

Result<std::optional<keys::KeyRecord>> PgKeyStore::findByHash(std::string_view keyHash) {
  const std::string h(keyHash);
  return pool_.run([&](pqxx::connection& c) -> std::optional<keys::KeyRecord> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared("key_by_hash", h);
    if (rows.empty()) return std::nullopt;
    return toKey(rows[0]);
  });
}

Status PgKeyStore::touchLastUsed(const std::vector<keys::KeyUse>& uses) {
  std::vector<const keys::KeyUse*> valid;
  valid.reserve(uses.size());
  for (const auto& u : uses) {
    if (crypto::isUuid(u.keyId)) valid.push_back(&u);
  }
  if (valid.empty()) return {};
  const std::string ids = arrayLiteral(valid, [](const keys::KeyUse* u) { return u->keyId; });
  const std::string times = arrayLiteral(valid, [](const keys::KeyUse* u) { return std::to_string(u->usedAtMs); });
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off");
    tx.exec_prepared0("touch_last_used", ids, times);
    tx.commit();
  });
}

Status PgKeyStore::forEachHashPrefix(const std::function<void(uint64_t)>& sink) {
  // Through a cursor, 50,000 rows at a time: a million-row result held at once would cost
  // authd over 100 MB of memory for a moment (and glibc keeps what it once had).
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec(std::string("DECLARE authd_key_filter NO SCROLL CURSOR FOR ") + sql::kAllKeyHashPrefixes);
    for (;;) {
      const auto rows = tx.exec("FETCH 50000 FROM authd_key_filter");
      if (rows.empty()) break;
      for (const auto& row : rows) {
        const char* text = row[0].c_str();
        uint64_t v = 0;
        std::from_chars(text, text + row[0].size(), v, 16);
        sink(v);
      }
    }
    tx.commit();
  });
}

}  // namespace authd::store::pg
