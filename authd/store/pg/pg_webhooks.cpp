#include "store/pg/pg_webhooks.hpp"

#include <nlohmann/json.hpp>

#include "store/pg/pg_arrays.hpp"
#include "store/pg/pg_outbox.hpp"

namespace authd::store::pg {
namespace {

constexpr std::string_view kOperatorLock = "operator";

events::Webhook toWebhook(const pqxx::row& r) {
  events::Webhook w;
  w.id = r[0].as<std::string>();
  w.userId = r[1].as<std::string>();
  w.url = r[2].as<std::string>();
  const auto types = nlohmann::json::parse(r[3].as<std::string>(), nullptr, false);
  if (types.is_array()) {
    for (const auto& t : types) {
      if (t.is_string()) w.events.push_back(t.get<std::string>());
    }
  }
  w.createdAt = fromUnixMillis(r[4].as<int64_t>());
  return w;
}

events::Delivery toDelivery(const pqxx::row& r) {
  events::Delivery d;
  d.id = r[0].as<int64_t>();
  d.eventId = r[1].as<std::string>();
  d.type = r[2].as<std::string>();
  d.state = r[3].as<std::string>();
  d.attempts = r[4].as<int64_t>();
  if (const auto s = r[5].as<int64_t>(); s >= 0) d.lastStatus = s;
  if (r[7].as<bool>()) d.lastError = r[6].as<std::string>();
  if (const auto t = r[8].as<int64_t>(); t >= 0) d.lastAttemptAt = fromUnixMillis(t);
  if (d.state == "pending") d.nextAttemptAt = fromUnixMillis(r[9].as<int64_t>());
  d.createdAt = fromUnixMillis(r[10].as<int64_t>());
  return d;
}

std::string typesLiteral(const std::vector<std::string>& types) {
  // Subscribable types are [a-z._]: nothing to escape.
  return arrayLiteral(types, [](const std::string& t) { return t; });
}

}  // namespace

Result<events::Webhook> PgWebhookStore::create(const events::Webhook& w, std::string_view sealedSecret,
                                               int64_t maxPerUser, events::Event created) {
  const std::string sealed(sealedSecret), types = typesLiteral(w.events);
  return pool_.run([&](pqxx::connection& c) -> Result<events::Webhook> {
    pqxx::work tx(c);
    tx.exec_prepared("lock_webhooks", w.userId);
    if (tx.exec_prepared1("count_live_webhooks", w.userId)[0].as<int64_t>() >= maxPerUser) {
      return fail(Code::kWebhookLimit,
                  "At most " + std::to_string(maxPerUser) + " webhook endpoints per user; delete one first");
    }
    const auto row = tx.exec_prepared1("insert_webhook", w.id, w.userId, w.url, types, sealed);
    commitWithEvents(tx, std::span(&created, 1), written_);
    events::Webhook out = w;
    out.createdAt = fromUnixMillis(row[0].as<int64_t>());
    return out;
  });
}

Result<std::vector<events::Webhook>> PgWebhookStore::listByUser(std::string_view userId) {
  const std::string u(userId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<events::Webhook> out;
    for (const auto& row : tx.exec_prepared("webhooks_by_user", u)) out.push_back(toWebhook(row));
    return out;
  });
}

Result<bool> PgWebhookStore::remove(std::string_view userId, std::string_view webhookId, events::Event deleted) {
  const std::string u(userId), id(webhookId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (tx.exec_prepared("delete_webhook", id, u).empty()) return false;
    tx.exec_prepared0("fail_webhook_deliveries", id);
    commitWithEvents(tx, std::span(&deleted, 1), written_);
    return true;
  });
}

Result<std::optional<std::vector<events::Delivery>>> PgWebhookStore::deliveries(std::string_view userId,
                                                                                std::string_view webhookId,
                                                                                int64_t limit) {
  const std::string u(userId), id(webhookId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<std::vector<events::Delivery>> {
    pqxx::work tx(c, "webhook_deliveries");
    if (tx.exec_prepared("webhook_is_live", id, u).empty()) return std::nullopt;
    std::vector<events::Delivery> out;
    for (const auto& row : tx.exec_prepared("webhook_deliveries", id, limit)) out.push_back(toDelivery(row));
    tx.commit();
    return out;
  });
}

Result<std::optional<std::string>> PgWebhookStore::sendTest(std::string_view userId, std::string_view webhookId,
                                                            events::Event test) {
  const std::string u(userId), id(webhookId);
  return pool_.run([&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::work tx(c);
    // Held until commit: the endpoint cannot be deleted between this check and its delivery row.
    if (tx.exec_prepared("lock_live_webhook", id, u).empty()) return std::nullopt;
    const auto row = tx.exec_prepared1(
        "insert_test_event", test.type, test.userId, std::string(events::actorKindName(test.actor.kind)), test.actor.id,
        test.targetType, test.targetId, test.origin.clientAddress, test.origin.userAgent, test.data, id);
    commitCounted(tx, std::span(&test, 1), written_);
    return row[0].as<std::string>();
  });
}

Status PgWebhookStore::upsertOperator(std::string_view url, std::string_view newId, const events::SealFor& seal) {
  const std::string u(url), fresh(newId);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // Two instances starting together: the second waits, then finds the first one's row.
    tx.exec_prepared("lock_webhooks", std::string(kOperatorLock));
    const auto live = tx.exec_prepared("operator_webhook");
    if (live.empty()) {
      tx.exec_prepared1("insert_webhook", fresh, std::string(), u, std::string("{}"), seal(fresh));
    } else {
      const auto id = live[0][0].as<std::string>();
      tx.exec_prepared0("update_operator_webhook", id, u, seal(id));
    }
    tx.commit();
  });
}

Status PgWebhookStore::removeOperator() {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_prepared("lock_webhooks", std::string(kOperatorLock));
    for (const auto& row : tx.exec_prepared("delete_operator_webhook")) {
      tx.exec_prepared0("fail_webhook_deliveries", row[0].as<std::string>());
    }
    tx.commit();
  });
}

}  // namespace authd::store::pg
