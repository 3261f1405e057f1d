// GET /audit's query and paging: limit and before parsed and bounded (each
// problem named), and AuditLog's pages (one event more read than shown, so the
// last page says so; the cursor is the last shown event's seq).
#include "events/audit.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fakes/fake_audit_reader.hpp"

namespace authd::events {
namespace {

std::vector<std::string> detailsOf(const Result<AuditQuery>& r) {
  return r ? std::vector<std::string>{} : r.error().details;
}

// Nothing asked: the newest 50.
TEST(AuditQuery, DefaultsToTheNewestFifty) {
  const auto q = parseAuditQuery({});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->limit, 50);
  EXPECT_FALSE(q->before.has_value());
}

// 1 and 200 are the bounds; a cursor is a positive decimal seq.
TEST(AuditQuery, AcceptsTheBoundsAndACursor) {
  for (const auto& [text, n] : std::vector<std::pair<std::string, int>>{{"1", 1}, {"200", 200}, {"007", 7}}) {
    const auto q = parseAuditQuery({text, std::nullopt});
    ASSERT_TRUE(q.has_value()) << text;
    EXPECT_EQ(q->limit, n);
  }
  const auto q = parseAuditQuery({std::nullopt, "123456789012"});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->before, 123456789012);
}

// Out of bounds or not a whole number: 400 validation_failed naming the limit.
TEST(AuditQuery, RefusesALimitOutOfBoundsOrNotANumber) {
  for (const std::string bad : {"0", "201", "1000", "99999", "-1", "+5", " 5", "5 ", "1.5", "abc", "", "1e2", "0x10"}) {
    const auto q = parseAuditQuery({bad, std::nullopt});
    ASSERT_FALSE(q.has_value()) << "'" << bad << "'";
    EXPECT_EQ(q.error().code, Code::kValidationFailed);
    EXPECT_EQ(detailsOf(q), std::vector<std::string>{"limit must be a whole number from 1 to 200"}) << bad;
  }
}

// A cursor that no page handed out is refused (not read as "from the start"); both problems are named at once.
TEST(AuditQuery, RefusesAMalformedCursorAndNamesEveryProblem) {
  for (const std::string bad : {"", "0", "-3", "abc", "12a", "1234567890123456789", "9223372036854775808"}) {
    const auto q = parseAuditQuery({std::nullopt, bad});
    ASSERT_FALSE(q.has_value()) << "'" << bad << "'";
    EXPECT_EQ(detailsOf(q), std::vector<std::string>{"before must be the next cursor of a previous page"}) << bad;
  }
  const auto both = parseAuditQuery({"0", "x"});
  ASSERT_FALSE(both.has_value());
  EXPECT_EQ(both.error().details.size(), 2u);
}

// The cursor a page hands out parses back to the same seq.
TEST(AuditQuery, CursorRoundTrips) {
  const auto q = parseAuditQuery({std::nullopt, auditCursor(42)});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->before, 42);
}

std::vector<int64_t> seqsOf(const AuditPage& p) {
  std::vector<int64_t> out;
  for (const auto& e : p.events) out.push_back(e.seq);
  return out;
}

// Paging through 5 events 2 at a time: newest first, each cursor the last shown seq, no empty last page, and no
// event shown twice or missed.
TEST(AuditLog, PagesNewestFirstUntilTheLastPage) {
  testing::FakeAuditReader reader;
  for (int i = 0; i < 5; ++i) reader.add("ann");
  AuditLog log(reader);
  auto p1 = log.page("ann", {2, std::nullopt});
  ASSERT_TRUE(p1.has_value());
  EXPECT_EQ(seqsOf(*p1), (std::vector<int64_t>{5, 4}));
  ASSERT_EQ(p1->next, "4");
  auto p2 = log.page("ann", {2, 4});
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(seqsOf(*p2), (std::vector<int64_t>{3, 2}));
  ASSERT_EQ(p2->next, "2");
  auto p3 = log.page("ann", {2, 2});
  ASSERT_TRUE(p3.has_value());
  EXPECT_EQ(seqsOf(*p3), (std::vector<int64_t>{1}));
  EXPECT_FALSE(p3->next.has_value());
  // One more than the page is asked for, with the cursor as given.
  ASSERT_EQ(reader.calls.size(), 3u);
  EXPECT_EQ(reader.calls[0].limit, 3);
  EXPECT_EQ(reader.calls[1].before, 4);
}

// A page exactly as long as what is left is the last: next is null.
TEST(AuditLog, AFullLastPageHasNoNext) {
  testing::FakeAuditReader reader;
  for (int i = 0; i < 3; ++i) reader.add("ann");
  AuditLog log(reader);
  auto p = log.page("ann", {3, std::nullopt});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->events.size(), 3u);
  EXPECT_FALSE(p->next.has_value());
}

// The reader's failure is the page's.
TEST(AuditLog, PassesTheStoresFailureOn) {
  testing::FakeAuditReader reader;
  reader.down = true;
  AuditLog log(reader);
  auto p = log.page("ann", {});
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, Code::kDatabaseUnavailable);
}

// An operator-only event (a password reset's request) is shown with its type and user but no details, and a
// `sealedToken` is never rendered by toJson, even outside the log.
TEST(AuditLog, OperatorOnlyEventsShowNoDetails) {
  testing::FakeAuditReader reader;
  reader.add("ann", type::kUserPasswordResetRequested);
  reader.rows.back().data = R"({"resetId":"r","sealedToken":"v1:abc"})";
  reader.add("ann", type::kUserPasswordChanged);
  reader.rows.back().data = R"({"via":"change"})";
  AuditLog log(reader);
  auto p = log.page("ann", {});
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->events.size(), 2u);
  EXPECT_EQ(p->events[0].data, R"({"via":"change"})");
  EXPECT_EQ(p->events[1].type, type::kUserPasswordResetRequested);
  EXPECT_EQ(p->events[1].data, "{}");
  EXPECT_EQ(p->events[1].userId, "ann");
  EXPECT_EQ(toJson(reader.rows.front()).find("sealedToken"), std::string::npos);
}

}  // namespace
}  // namespace authd::events
