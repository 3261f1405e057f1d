// GET /audit: the caller's own events, newest first, a page at a time. The
// query (limit, before) is parsed and bounded here; the cursor is the seq of
// the last event of the previous page, opaque to clients (a decimal string).
// webhook.test events are never part of the log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::events {

// Events per page: the default and the most one page may hold (more is a 400).
inline constexpr int kDefaultAuditLimit = 50;
inline constexpr int kMaxAuditLimit = 200;

// The query parameters as sent (nullopt: absent); anything else in the query is ignored.
struct AuditQueryParams {
  std::optional<std::string_view> limit;
  std::optional<std::string_view> before;
};

// A parsed query: at most `limit` events older (lower seq) than `before`, or the newest when it is absent.
struct AuditQuery {
  int limit = kDefaultAuditLimit;
  std::optional<int64_t> before;
};

// kValidationFailed, naming each problem, when limit is not a whole number from 1 to kMaxAuditLimit or before is
// not a cursor (a positive decimal seq); an empty value is malformed too.
Result<AuditQuery> parseAuditQuery(const AuditQueryParams& params);

// The cursor that continues after the event with this seq, and back.
std::string auditCursor(int64_t seq);

// Where the log is read from (PostgreSQL).
class AuditReader {
 public:
  virtual ~AuditReader() = default;
  // The user's events (events.user_id = userId, never webhook.test) with seq < before (any when nullopt), highest
  // seq first, at most `limit`.
  virtual Result<std::vector<Event>> userEvents(std::string_view userId, std::optional<int64_t> before, int limit) = 0;
};

// One page: its events, newest first, and the cursor of the next (older) one; nullopt on the last page.
struct AuditPage {
  std::vector<Event> events;
  std::optional<std::string> next;
};

// Reads the caller's log a page at a time.
class AuditLog {
 public:
  explicit AuditLog(AuditReader& reader) : reader_(reader) {}
  // The page `query` asks for, of the events of `userId`. One event more than the page is read, so the last page
  // says so (next = nullopt) without an extra, empty page.
  Result<AuditPage> page(std::string_view userId, const AuditQuery& query);

 private:
  AuditReader& reader_;
};

}  // namespace authd::events
