#include "store/pg/pg_audit.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>

#include "core/crypto.hpp"
#include "events/expiry.hpp"
#include "store/pg/sql.hpp"

namespace authd::store::pg {
namespace {

SysTime fromMicros(int64_t us) {
  return SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::microseconds(us)));
}

// A row of kAuditUserEvents.
events::Event eventOf(const pqxx::row& r) {
  events::Event e;
  e.id = r[0].as<std::string>();
  e.seq = r[1].as<int64_t>();
  e.at = fromMicros(r[2].as<int64_t>());
  e.userId = r[3].as<std::string>();
  e.type = r[4].as<std::string>();
  e.actor.kind = events::parseActorKind(r[5].as<std::string>()).value_or(events::ActorKind::kSystem);
  e.actor.id = r[6].as<std::string>();
  e.targetType = r[7].as<std::string>();
  e.targetId = r[8].as<std::string>();
  e.origin.clientAddress = r[9].as<std::string>();
  e.origin.userAgent = r[10].as<std::string>();
  e.data = r[11].as<std::string>();
  return e;
}

// Expiry notices are kept while the expiry scan may still look for them, and a day more.
constexpr double kNoticesKeptSeconds =
    std::chrono::duration<double>(events::kExpiredLookback + std::chrono::hours(24)).count();

}  // namespace

Result<std::vector<events::Event>> PgAudit::userEvents(std::string_view userId, std::optional<int64_t> before,
                                                       int limit) {
  // Callers pass a JWT's subject, a UUID; anything else has no events (and would fail the cast).
  if (!crypto::isUuid(userId)) return std::vector<events::Event>{};
  const std::string u(userId);
  const int64_t below = before.value_or(std::numeric_limits<int64_t>::max());
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<events::Event> out;
    const auto rows = tx.exec_prepared("audit_user_events", u, below, limit);
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(eventOf(r));
    return out;
  });
}

Result<events::PruneResult> PgAudit::pruneEvents(SysTime before) {
  const double cutoff = static_cast<double>(toUnixMillis(before)) / 1000.0;
  bool lockedOut = false;
  int batches = 0;
  // One statement in batches, each under the prune's lock (another instance pruning: 0 rows ends the loop).
  const auto prune = [&](const char* statement, double arg) {
    batches = 0;
    return deleteInBatches(pool_, kPruneBatch, kMaxBatches, [&](pqxx::work& tx) -> size_t {
      ++batches;
      if (!tx.exec_prepared1("try_xact_lock", sql::kAuditPruneLockId)[0].as<bool>()) {
        lockedOut = true;
        return 0;
      }
      return static_cast<size_t>(tx.exec_prepared(statement, arg, kPruneBatch).affected_rows());
    });
  };
  // Notices the expiry scan no longer looks for go first (they are not events and not counted as such).
  if (auto notices = prune("prune_expiry_notices", kNoticesKeptSeconds); !notices)
    return fail(std::move(notices.error()));
  if (lockedOut) return events::PruneResult{0, false, true};
  auto deleted = prune("prune_events", cutoff);
  if (!deleted) return fail(std::move(deleted.error()));
  // Every batch full: the bound stopped it, old rows are probably left.
  const bool more = !lockedOut && batches == kMaxBatches && *deleted == static_cast<size_t>(kPruneBatch) * kMaxBatches;
  return events::PruneResult{*deleted, more, lockedOut};
}

}  // namespace authd::store::pg
