#include "accounts/session_service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "support/fakes/fake_session_store.hpp"

namespace authd::accounts {
namespace {

class SessionServiceTest : public ::testing::Test {
 protected:
  tokens::AccessClaims caller(const std::string& userId, const std::string& sid) {
    tokens::AccessClaims c{};
    c.sub = userId;
    c.sid = sid;
    return c;
  }
  size_t revokedEvents() const {
    size_t n = 0;
    for (const auto& e : store_.events) n += e.type == events::type::kSessionRevoked;
    return n;
  }

  FakeClock clock_;
  testing::FakeUserStore users_{clock_};
  testing::FakeSessionStore store_{users_, clock_};
  SessionService service_{store_};
  const std::string ann_ = crypto::uuidV4(), bob_ = crypto::uuidV4();
  const std::string s1_ = crypto::uuidV4(), s2_ = crypto::uuidV4(), bobs_ = crypto::uuidV4();
};

// The list holds the caller's own sessions only, and `current` marks exactly the one of the caller's token.
TEST_F(SessionServiceTest, ListsOwnSessionsAndMarksTheCurrentOne) {
  store_.addSession(ann_, s1_);
  store_.addSession(ann_, s2_);
  store_.addSession(bob_, bobs_);
  auto list = service_.list(caller(ann_, s2_));
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  for (const auto& s : *list) {
    EXPECT_NE(s.session.id, bobs_);
    EXPECT_EQ(s.current, s.session.id == s2_) << s.session.id;
  }
}

// Revoking one of the caller's sessions ends it alone and writes one session.revoked by the caller.
TEST_F(SessionServiceTest, RevokesOneOwnSessionWithItsEvent) {
  store_.addSession(ann_, s1_);
  store_.addSession(ann_, s2_);
  ASSERT_TRUE(service_.revoke(caller(ann_, s2_), s1_, {}).has_value());
  EXPECT_TRUE(store_.sessions.at(s1_).revoked);
  EXPECT_FALSE(store_.sessions.at(s2_).revoked);
  ASSERT_EQ(revokedEvents(), 1u);
  const auto& e = store_.events.back();
  EXPECT_EQ(e.actor.id, ann_);
  EXPECT_EQ(e.userId, ann_);
  EXPECT_EQ(nlohmann::json::parse(e.data).at("sessionId"), s1_);
}

// Another user's session, an unknown id and an already ended one are all 404 and change nothing; a malformed id is
// invalid_id (400) before the store is asked.
TEST_F(SessionServiceTest, OthersUnknownAndEndedSessionsAreNotFound) {
  store_.addSession(ann_, s1_);
  store_.addSession(bob_, bobs_);
  for (const std::string& id : {bobs_, crypto::uuidV4()}) {
    auto r = service_.revoke(caller(ann_, s1_), id, {});
    ASSERT_FALSE(r.has_value()) << id;
    EXPECT_EQ(r.error().code, Code::kNotFound);
  }
  EXPECT_FALSE(store_.sessions.at(bobs_).revoked);
  ASSERT_TRUE(service_.revoke(caller(ann_, s1_), s1_, {}).has_value());
  auto again = service_.revoke(caller(ann_, s1_), s1_, {});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Code::kNotFound);
  auto bad = service_.revoke(caller(ann_, s1_), "not-a-uuid", {});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidId);
  EXPECT_EQ(revokedEvents(), 1u);
}

// Logout-all ends every session of the caller, the current one included, and none of another user's.
TEST_F(SessionServiceTest, LogoutAllEndsEveryOwnSession) {
  store_.addSession(ann_, s1_);
  store_.addSession(ann_, s2_);
  store_.addSession(bob_, bobs_);
  auto n = service_.revokeAll(caller(ann_, s1_), {});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2u);
  EXPECT_TRUE(store_.sessions.at(s1_).revoked);
  EXPECT_TRUE(store_.sessions.at(s2_).revoked);
  EXPECT_FALSE(store_.sessions.at(bobs_).revoked);
  EXPECT_EQ(revokedEvents(), 2u);
}

// A store outage is passed through (503), not mistaken for "no such session".
TEST_F(SessionServiceTest, StoreOutagePassesThrough) {
  store_.down = true;
  auto r = service_.revoke(caller(ann_, s1_), s1_, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kDatabaseUnavailable);
}

}  // namespace
}  // namespace authd::accounts
