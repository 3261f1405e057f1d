// A new session (refresh family) is stored only while the password its login checked is still the user's: a login
// that verified the old password while a change or reset committed gets no session (store/pg PgRefreshStore).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/crypto.hpp"
#include "events/written_counts.hpp"
#include "store/pg/pg_account_stores.hpp"
#include "support/api.hpp"
#include "support/stack_queries.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;

class LoginSessionCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = makeTestPgPool({.size = 2, .prepare = true});
    user_ = insertTestUser(*pg_, "session-check");  // password_hash 'x'
  }
  void TearDown() override {
    if (pg_ && !user_.empty()) deleteTestUser(*pg_, user_);
  }
  tokens::RefreshRecord record(std::string passwordHash) {
    return tokens::RefreshRecord{.id = crypto::uuidV4(),
                                 .userId = user_,
                                 .familyId = crypto::uuidV4(),
                                 .expiresAt = std::chrono::system_clock::now() + 1h,
                                 .used = false,
                                 .revoked = false,
                                 .origin = {},
                                 .passwordHash = std::move(passwordHash)};
  }
  int families() {
    auto n = pg_->run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_params1("SELECT count(*) FROM refresh_families WHERE user_id = $1::uuid", user_)[0].as<int>();
    });
    EXPECT_TRUE(n) << describe(n.error());
    return n.value_or(-1);
  }

  std::unique_ptr<store::pg::PgPool> pg_;
  events::WrittenCounts counts_;
  std::string user_;
};

TEST_F(LoginSessionCheckTest, ASessionIsStoredOnlyWhileThePasswordItCheckedIsCurrent) {
  store::pg::PgRefreshStore store(*pg_, counts_, nullptr);
  // The hash the login checked is the user's: the session is stored.
  ASSERT_TRUE(store.insert(record("x"), crypto::sha256Hex(crypto::uuidV4()), {}).has_value());
  EXPECT_EQ(families(), 1);
  // The password changed since the check (another hash now): refused as invalid credentials, nothing stored.
  const auto stale = store.insert(record("the-old-hash"), crypto::sha256Hex(crypto::uuidV4()), {});
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, Code::kInvalidCredentials);
  EXPECT_EQ(families(), 1);
  // A deactivated user gets none either.
  ASSERT_TRUE(pg_->run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("UPDATE users SET is_active = false WHERE id = $1::uuid", user_);
    tx.commit();
  }));
  EXPECT_FALSE(store.insert(record("x"), crypto::sha256Hex(crypto::uuidV4()), {}).has_value());
  EXPECT_EQ(families(), 1);
  // No check asked for (a rotation's successor, stored in an existing family elsewhere): no refusal here.
  EXPECT_TRUE(store.insert(record(""), crypto::sha256Hex(crypto::uuidV4()), {}).has_value());
}

}  // namespace
}  // namespace authd::testing
