// What events::AuditLog reads the log from, in memory: events rows in the order
// written, filtered and ordered as PostgreSQL's audit_user_events statement does.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/audit.hpp"

namespace authd::testing {

// `down` answers as PostgreSQL being unreachable; `calls` remembers what each read asked for.
class FakeAuditReader final : public events::AuditReader {
 public:
  struct Call {
    std::string userId;
    std::optional<int64_t> before;
    int limit = 0;
  };

  Result<std::vector<events::Event>> userEvents(std::string_view userId, std::optional<int64_t> before,
                                                int limit) override {
    calls.push_back({std::string(userId), before, limit});
    if (down) return fail(Code::kDatabaseUnavailable);
    std::vector<events::Event> out;
    for (auto it = rows.rbegin(); it != rows.rend() && static_cast<int>(out.size()) < limit; ++it) {
      if (it->userId != userId || it->type == events::type::kWebhookTest) continue;
      if (before && it->seq >= *before) continue;
      out.push_back(*it);
    }
    return out;
  }

  // Appends an event of `userId` with the next seq; its seq.
  int64_t add(std::string userId, std::string_view type = events::type::kKeyCreated) {
    events::Event e = events::make(type, std::move(userId), events::Context::system(), "key", "k");
    e.seq = static_cast<int64_t>(rows.size()) + 1;
    e.id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(e.seq).size(), '0') + std::to_string(e.seq);
    rows.push_back(e);
    return e.seq;
  }

  std::vector<events::Event> rows;  // in seq order
  std::vector<Call> calls;
  bool down = false;
};

}  // namespace authd::testing
