// Webhook endpoints and their deliveries as stored (the secret only sealed, see
// events/secret_box), and the interface of where they are kept
// (store/pg/pg_webhooks implements it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::events {

struct Webhook {
  std::string id;
  std::string userId;               // empty: the operator's endpoint
  std::string url;                  // as registered
  std::vector<std::string> events;  // subscribed types; empty = every type
  SysTime createdAt{};
};

// One event's delivery to one endpoint, as the worker left it.
struct Delivery {
  int64_t id = 0;
  std::string eventId;
  std::string type;   // the event's type
  std::string state;  // "pending", "delivered" or "failed"
  int64_t attempts = 0;
  std::optional<int64_t> lastStatus;  // the receiver's HTTP status, when it answered
  std::optional<std::string> lastError;
  std::optional<SysTime> lastAttemptAt;
  std::optional<SysTime> nextAttemptAt;  // while pending; a finished row has none (its column keeps the last lease)
  SysTime createdAt{};
};

// Seals a secret for the endpoint with this id (SecretBox::seal bound to it).
using SealFor = std::function<std::string(std::string_view webhookId)>;

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  // Stores `w` (its id chosen by the caller) with its sealed secret and writes `created`, in one transaction,
  // unless the user already has `maxPerUser` live endpoints (kWebhookLimit; counted under a per-user lock, so two
  // concurrent creations cannot both take the last place). Returns the endpoint as stored (its createdAt).
  virtual Result<Webhook> create(const Webhook& w, std::string_view sealedSecret, int64_t maxPerUser,
                                 Event created) = 0;
  // The user's live endpoints, newest first.
  virtual Result<std::vector<Webhook>> listByUser(std::string_view userId) = 0;
  // Soft-deletes the user's live endpoint, fails its pending deliveries ('endpoint deleted') and writes `deleted`,
  // in one transaction; false when the user has no such live endpoint.
  virtual Result<bool> remove(std::string_view userId, std::string_view webhookId, Event deleted) = 0;
  // The endpoint's deliveries, newest first, at most `limit`; nullopt when the user has no such live endpoint.
  virtual Result<std::optional<std::vector<Delivery>>> deliveries(std::string_view userId, std::string_view webhookId,
                                                                  int64_t limit) = 0;
  // Writes `test` with one delivery, to this endpoint only (no fan-out), in one transaction; the event's id, or
  // nullopt when the user has no such live endpoint.
  virtual Result<std::optional<std::string>> sendTest(std::string_view userId, std::string_view webhookId,
                                                      Event test) = 0;
  // Makes the operator's endpoint (user_id NULL, every event) point at `url` with the secret `seal` seals for its
  // id: the live one keeps its id (and its pending deliveries), otherwise one is created with `newId`. Serialised
  // across instances, so two starting together leave one row.
  virtual Status upsertOperator(std::string_view url, std::string_view newId, const SealFor& seal) = 0;
  // Soft-deletes the operator's endpoint, if there is one, and fails its pending deliveries.
  virtual Status removeOperator() = 0;
};

}  // namespace authd::events
