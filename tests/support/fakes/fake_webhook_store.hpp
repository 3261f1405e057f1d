// What events::WebhookService keeps endpoints in, in memory: PostgreSQL's webhooks and webhook_deliveries rows, and
// the events each change wrote with them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/webhook_store.hpp"

namespace authd::testing {

// Endpoints by id; `down` answers as PostgreSQL being unreachable.
class FakeWebhookStore final : public events::WebhookStore {
 public:
  struct Row {
    events::Webhook webhook;
    std::string sealed;
    bool deleted = false;
  };

  Result<events::Webhook> create(const events::Webhook& w, std::string_view sealedSecret, int64_t maxPerUser,
                                 events::Event created) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    int64_t live = 0;
    for (const auto& [id, r] : rows) live += !r.deleted && r.webhook.userId == w.userId;
    if (live >= maxPerUser) return fail(Code::kWebhookLimit, "limit");
    rows[w.id] = Row{w, std::string(sealedSecret)};
    written.push_back(std::move(created));
    return w;
  }
  Result<std::vector<events::Webhook>> listByUser(std::string_view userId) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    std::vector<events::Webhook> out;
    for (const auto& [id, r] : rows) {
      if (!r.deleted && r.webhook.userId == userId) out.push_back(r.webhook);
    }
    return out;
  }
  Result<bool> remove(std::string_view userId, std::string_view webhookId, events::Event deleted) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    Row* r = live(userId, webhookId);
    if (!r) return false;
    r->deleted = true;
    written.push_back(std::move(deleted));
    return true;
  }
  Result<std::optional<std::vector<events::Delivery>>> deliveries(std::string_view userId, std::string_view webhookId,
                                                                  int64_t limit) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    lastLimit = limit;
    if (!live(userId, webhookId)) return std::nullopt;
    return std::vector<events::Delivery>{};
  }
  Result<std::optional<std::string>> sendTest(std::string_view userId, std::string_view webhookId,
                                              events::Event test) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    if (!live(userId, webhookId)) return std::nullopt;
    test.id = "e0000000-0000-4000-8000-" + std::string(11, '0') + std::to_string(written.size() % 10);
    testedWebhook = std::string(webhookId);
    written.push_back(test);
    return test.id;
  }
  Status upsertOperator(std::string_view url, std::string_view newId, const events::SealFor& seal) override {
    if (down) return fail(Code::kDatabaseUnavailable);
    for (auto& [id, r] : rows) {
      if (!r.deleted && r.webhook.userId.empty()) {
        r.webhook.url = std::string(url);
        r.sealed = seal(id);
        return {};
      }
    }
    events::Webhook w;
    w.id = std::string(newId);
    w.url = std::string(url);
    rows[w.id] = Row{w, seal(w.id)};
    return {};
  }
  Status removeOperator() override {
    if (down) return fail(Code::kDatabaseUnavailable);
    for (auto& [id, r] : rows) {
      if (r.webhook.userId.empty()) r.deleted = true;
    }
    return {};
  }

  // The live operator row, if any.
  const Row* operatorRow() const {
    for (const auto& [id, r] : rows) {
      if (!r.deleted && r.webhook.userId.empty()) return &r;
    }
    return nullptr;
  }

  std::map<std::string, Row> rows;
  std::vector<events::Event> written;  // every event a change wrote, in order
  std::string testedWebhook;
  int64_t lastLimit = 0;
  bool down = false;

 private:
  Row* live(std::string_view userId, std::string_view webhookId) {
    const auto it = rows.find(std::string(webhookId));
    if (it == rows.end() || it->second.deleted || it->second.webhook.userId != userId) return nullptr;
    return &it->second;
  }
};

}  // namespace authd::testing
