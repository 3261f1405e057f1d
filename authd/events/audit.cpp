#include "events/audit.hpp"

#include <charconv>

namespace authd::events {
namespace {

// A positive decimal number of at most `maxDigits` digits (no sign, no spaces, no leading '+'); nullopt otherwise.
std::optional<int64_t> positiveDecimal(std::string_view s, size_t maxDigits) {
  if (s.empty() || s.size() > maxDigits) return std::nullopt;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

Result<AuditQuery> parseAuditQuery(const AuditQueryParams& params) {
  std::vector<std::string> errors;
  AuditQuery q;
  if (params.limit) {
    const auto n = positiveDecimal(*params.limit, 4);
    if (n && *n <= kMaxAuditLimit) {
      q.limit = static_cast<int>(*n);
    } else {
      errors.push_back("limit must be a whole number from 1 to " + std::to_string(kMaxAuditLimit));
    }
  }
  if (params.before) {
    // A bigserial fits 18 digits for a long while yet; anything longer is not one of ours.
    if (const auto seq = positiveDecimal(*params.before, 18)) {
      q.before = *seq;
    } else {
      errors.emplace_back("before must be the next cursor of a previous page");
    }
  }
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return q;
}

std::string auditCursor(int64_t seq) { return std::to_string(seq); }

Result<AuditPage> AuditLog::page(std::string_view userId, const AuditQuery& query) {
  auto rows = reader_.userEvents(userId, query.before, query.limit + 1);
  if (!rows) return fail(std::move(rows.error()));
  AuditPage out;
  out.events = std::move(*rows);
  // An operator-only event (a password reset's request) shows its type and user only: its details are the
  // operator's.
  for (auto& e : out.events) {
    if (isOperatorOnlyType(e.type)) e.data = "{}";
  }
  if (out.events.size() > static_cast<size_t>(query.limit)) {
    out.events.resize(static_cast<size_t>(query.limit));
    out.next = auditCursor(out.events.back().seq);
  }
  return out;
}

}  // namespace authd::events
