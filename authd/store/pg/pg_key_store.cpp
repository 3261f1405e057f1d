#include "store/pg/pg_key_store.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "core/crypto.hpp"
#include "keys/key_audit.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "store/pg/pg_arrays.hpp"
#include "store/pg/pg_outbox.hpp"
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
  k.enabled = r[11].as<bool>();
  k.disabledReason = keys::parseReason(r[12].as<std::string>());
  if (auto m = r[13].as<std::string>(); !m.empty()) k.metadata = std::move(m);
  if (auto f = r[14].as<std::string>(); !f.empty()) k.rotatedFrom = std::move(f);
  if (const auto t = r[15].as<int64_t>(); t >= 0) k.rotatedAt = fromUnixMillis(t);
  k.version = r[16].as<int64_t>();
  if (const auto remaining = r[17].as<int64_t>(); remaining >= 0) {
    keys::Credits credits{remaining, std::nullopt};
    const auto amount = r[18].as<int64_t>();
    if (const auto interval = keys::parseInterval(r[19].as<std::string>()); interval && amount > 0) {
      credits.refill = keys::CreditRefill{amount, *interval};
    }
    k.credits = credits;
  }
  k.creditsVersion = r[20].as<int64_t>();
  k.creditsPeriod = r[21].as<int64_t>();
  return k;
}

// The columns after AUTHD_KEY_COLUMNS in statements that add them.
constexpr int kHashColumn = 22;
constexpr int kExpiredColumn = 23;

// A grant as the insert and update statements take it: -1 / '' for what is not there.
struct GrantParams {
  int64_t remaining = -1;
  int64_t refillAmount = -1;
  std::string refillInterval;
};

GrantParams grantParams(const std::optional<keys::Credits>& credits) {
  GrantParams g;
  if (!credits) return g;
  g.remaining = credits->remaining;
  if (credits->refill) {
    g.refillAmount = credits->refill->amount;
    g.refillInterval = std::string(keys::intervalName(credits->refill->interval));
  }
  return g;
}

// Locks the user's key for a change (PATCH, rotation), so the decision holds until the change
// commits: nullopt when there is no such key of this user, kConflict when it is revoked or was
// rotated (its successor is the key to change).
Result<std::optional<pqxx::row>> lockChangeable(pqxx::work& tx, const std::string& keyId, const std::string& userId) {
  const auto rows = tx.exec_prepared("lock_key", keyId, userId);
  if (rows.empty()) return std::nullopt;
  const auto current = toKey(rows[0]);
  if (!current.isActive) return fail(Code::kConflict, "API key has been revoked");
  if (current.rotatedAt) return fail(Code::kConflict, "API key was already rotated");
  return std::optional<pqxx::row>(rows[0]);
}

bool disabledByOperator(const keys::KeyRecord& key) {
  return !key.enabled && key.disabledReason == keys::DisabledReason::kOperator;
}

}  // namespace

Result<keys::KeyRecord> PgKeyStore::create(std::string_view userId, const keys::CreateKeyRequest& req,
                                           std::string_view keyHash, std::string_view prefix,
                                           const events::Context& ctx) {
  const std::string u(userId), h(keyHash), p(prefix);
  const std::string scopes = arrayLiteral(req.scopes, [](const std::string& s) { return s; });
  const int64_t limit = req.rateLimit ? req.rateLimit->limit : -1;
  const int64_t window = req.rateLimit ? req.rateLimit->windowSeconds : -1;
  const int64_t expires = req.expiresAt ? toUnixMillis(*req.expiresAt) : -1;
  const GrantParams grant = grantParams(req.credits);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto row =
        tx.exec_prepared1("insert_key", u, req.name, h, p, scopes, limit, window, expires, req.metadata.value_or(""),
                          grant.remaining, grant.refillAmount, grant.refillInterval);
    auto key = toKey(row);
    auto created = keys::audit::created(key, ctx);
    commitWithEvents(tx, std::span(&created, 1), counts_);
    return key;
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

Result<std::optional<keys::ChangedKey>> PgKeyStore::revoke(std::string_view userId, std::string_view keyId,
                                                           const events::Context& ctx) {
  const std::string u(userId), k(keyId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<keys::ChangedKey> {
    pqxx::work tx(c);
    // Locked first, so that of two revocations only the one that changed the key records it.
    const auto locked = tx.exec_prepared("lock_key", k, u);
    if (locked.empty()) return std::nullopt;
    const auto before = toKey(locked[0]);
    const auto rows = tx.exec_prepared("revoke_key", k, u);
    if (rows.empty()) return std::nullopt;  // cannot happen under the lock
    std::vector<events::Event> written;
    if (auto e = keys::audit::revoked(before, ctx)) written.push_back(std::move(*e));
    commitWithEvents(tx, written, counts_);
    return keys::ChangedKey{rows[0][0].as<std::string>(), rows[0][1].as<int64_t>()};
  });
}

Result<std::optional<keys::KeyRecord>> PgKeyStore::get(std::string_view userId, std::string_view keyId) {
  const std::string u(userId), k(keyId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<keys::KeyRecord> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_prepared("key_by_id", k, u);
    if (rows.empty()) return std::nullopt;
    return toKey(rows[0]);
  });
}

Result<std::optional<keys::StoredKey>> PgKeyStore::update(std::string_view userId, std::string_view keyId,
                                                          const keys::KeyPatch& patch, const events::Context& ctx) {
  const std::string u(userId), k(keyId);
  const bool setScopes = patch.scopes.has_value();
  const std::string scopes =
      arrayLiteral(patch.scopes.value_or(std::vector<std::string>{}), [](const std::string& s) { return s; });
  const bool setLimit = patch.rateLimit.has_value();
  // Plain integers (-1: the server default), not an optional: GCC's -Wmaybe-uninitialized
  // misreads an optional captured by the lambda below, which -Werror (CI) turns into a failed build.
  const bool hasLimit = setLimit && patch.rateLimit->has_value();
  const int64_t limitCount = hasLimit ? (*patch.rateLimit)->limit : -1;
  const int64_t limitWindow = hasLimit ? (*patch.rateLimit)->windowSeconds : -1;
  const bool setExpiry = patch.expiresAt.has_value();
  const int64_t expires = setExpiry && *patch.expiresAt ? toUnixMillis(**patch.expiresAt) : -1;
  const bool setMetadata = patch.metadata.has_value();
  const std::string metadata = setMetadata ? patch.metadata->value_or("") : "";
  const bool setCredits = patch.credits.has_value();
  const GrantParams grant = grantParams(setCredits ? *patch.credits : std::nullopt);
  const bool byOperator = ctx.actor.kind == events::ActorKind::kOperator;
  return pool_.run([&](pqxx::connection& c) -> Result<std::optional<keys::StoredKey>> {
    pqxx::work tx(c);
    auto locked = lockChangeable(tx, k, u);
    if (!locked) return fail(locked.error());
    if (!*locked) return std::nullopt;
    const auto before = toKey(**locked);
    if (patch.enabled == true && !byOperator && disabledByOperator(before)) {
      return fail(Code::kConflict, "API key was disabled by the operator; only the operator can enable it");
    }
    const auto row = tx.exec_prepared1(
        "update_key", k, patch.name.has_value(), patch.name.value_or(""), setScopes, scopes, setLimit, limitCount,
        limitWindow, setExpiry, expires, patch.enabled.has_value(), patch.enabled.value_or(true), setMetadata, metadata,
        setCredits, grant.remaining, grant.refillAmount, grant.refillInterval, byOperator);
    auto after = toKey(row);
    auto written = keys::audit::updated(before, after, patch, ctx);
    commitWithEvents(tx, written, counts_);
    return keys::StoredKey{std::move(after), row[kHashColumn].as<std::string>()};
  });
}

Result<std::optional<keys::RotatedKey>> PgKeyStore::rotate(std::string_view userId, std::string_view keyId,
                                                           std::chrono::seconds grace, std::string_view keyHash,
                                                           std::string_view prefix, const events::Context& ctx) {
  const std::string u(userId), k(keyId), h(keyHash), p(prefix);
  const auto graceSeconds = static_cast<int64_t>(grace.count());
  return pool_.run([&](pqxx::connection& c) -> Result<std::optional<keys::RotatedKey>> {
    pqxx::work tx(c);
    // The row lock serialises rotations of one key: the second sees rotated_at and gets 409.
    auto locked = lockChangeable(tx, k, u);
    if (!locked) return fail(locked.error());
    if (!*locked) return std::nullopt;
    const pqxx::row& old = **locked;
    // A successor starts enabled: rotating would undo the operator's decision.
    if (disabledByOperator(toKey(old))) {
      return fail(Code::kConflict, "API key was disabled by the operator; only the operator can enable it");
    }
    if (old[kExpiredColumn].as<bool>()) return fail(Code::kConflict, "API key has expired");
    const auto successor = tx.exec_prepared1("insert_successor", k, h, p);
    const auto retired = tx.exec_prepared1("retire_predecessor", k, graceSeconds);
    auto next = toKey(successor);
    const SysTime oldExpiresAt = fromUnixMillis(retired[0].as<int64_t>());
    auto rotated = keys::audit::rotated(toKey(old), next, oldExpiresAt, ctx);
    commitWithEvents(tx, std::span(&rotated, 1), counts_);
    return keys::RotatedKey{
        std::move(next), keys::ChangedKey{old[kHashColumn].as<std::string>(), retired[1].as<int64_t>()}, oldExpiresAt};
  });
}

Result<std::optional<keys::StoredKey>> PgKeyStore::disableLeaked(std::string_view keyHash,
                                                                 const events::Origin& origin) {
  const std::string h(keyHash);
  return pool_.run([&](pqxx::connection& c) -> std::optional<keys::StoredKey> {
    pqxx::work tx(c);
    // Locked first, so that of two reports of one key only the one that changed it records key.leaked.
    const auto locked = tx.exec_prepared("lock_key_by_hash", h);
    if (locked.empty()) return std::nullopt;
    const auto rows = tx.exec_prepared("disable_leaked", h);
    std::vector<events::Event> written;
    if (auto e = keys::audit::leaked(toKey(locked[0]), origin)) written.push_back(std::move(*e));
    commitWithEvents(tx, written, counts_);
    if (rows.empty()) return std::nullopt;
    return keys::StoredKey{toKey(rows[0]), rows[0][kHashColumn].as<std::string>()};
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

Result<size_t> PgKeyStore::saveCredits(const std::vector<keys::CreditBalance>& balances) {
  std::vector<const keys::CreditBalance*> valid;
  valid.reserve(balances.size());
  for (const auto& b : balances) {
    // What the column's CHECK would refuse must not fail (and so block) the whole batch.
    if (crypto::isUuid(b.keyId) && b.remaining >= 0) valid.push_back(&b);
  }
  if (valid.empty()) return size_t{0};
  using B = const keys::CreditBalance*;
  const std::string ids = arrayLiteral(valid, [](B b) { return b->keyId; });
  const std::string versions = arrayLiteral(valid, [](B b) { return std::to_string(b->version); });
  const std::string remaining = arrayLiteral(valid, [](B b) { return std::to_string(b->remaining); });
  const std::string periods = arrayLiteral(valid, [](B b) { return std::to_string(b->period); });
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // Index lookups by id, as touchLastUsed (see kTouchLastUsed).
    tx.exec("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off");
    const auto r = tx.exec_prepared1("save_credits", ids, versions, remaining, periods);
    // Each key whose balance this flush took to 0: exhausted once per grant and refill period (see kSaveCredits).
    std::vector<events::Event> written;
    const auto exhausted = nlohmann::json::parse(r[1].as<std::string>(), nullptr, false);
    if (exhausted.is_array()) {
      for (const auto& k : exhausted) {
        if (!k.is_array() || k.size() != 3 || !k[0].is_string() || !k[1].is_string() || !k[2].is_number_integer()) {
          continue;
        }
        written.push_back(
            keys::audit::creditsExhausted(k[0].get<std::string>(), k[1].get<std::string>(), k[2].get<int64_t>()));
      }
    }
    commitWithEvents(tx, written, counts_);
    return static_cast<size_t>(r[0].as<int64_t>());
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
