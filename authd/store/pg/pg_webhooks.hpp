// PostgreSQL implementation of events::WebhookStore (sql/006_events.sql's
// webhooks and webhook_deliveries). Every change writes its event in its own
// transaction (store/pg/pg_outbox).
#pragma once

#include "events/webhook_store.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgWebhookStore final : public events::WebhookStore {
 public:
  // `written` counts the events it commits (authd_events_written_total).
  PgWebhookStore(PgPool& pool, events::WrittenCounts& written) : pool_(pool), written_(written) {}
  Result<events::Webhook> create(const events::Webhook& w, std::string_view sealedSecret, int64_t maxPerUser,
                                 events::Event created) override;
  Result<std::vector<events::Webhook>> listByUser(std::string_view userId) override;
  Result<bool> remove(std::string_view userId, std::string_view webhookId, events::Event deleted) override;
  Result<std::optional<std::vector<events::Delivery>>> deliveries(std::string_view userId, std::string_view webhookId,
                                                                  int64_t limit) override;
  Result<std::optional<std::string>> sendTest(std::string_view userId, std::string_view webhookId,
                                              events::Event test) override;
  Status upsertOperator(std::string_view url, std::string_view newId, const events::SealFor& seal) override;
  Status removeOperator() override;

 private:
  PgPool& pool_;
  events::WrittenCounts& written_;
};

}  // namespace authd::store::pg
