#include "store/pg/migrations.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace authd::store::pg {
namespace {

// A ledger in memory that records every call, in order, and can be told to fail.
class FakeLedger : public MigrationLedger {
 public:
  Status lock() override {
    calls.push_back("lock");
    if (failLock) return fail(Code::kDatabaseUnavailable, "lock failed");
    locked = true;
    return {};
  }
  void unlock() override {
    calls.push_back("unlock");
    locked = false;
  }
  Result<std::set<int>> applied() override {
    calls.push_back("applied");
    if (failApplied) return fail(Code::kDatabaseUnavailable, "cannot read ledger");
    return versions;
  }
  Status apply(const Migration& m) override {
    calls.push_back("apply " + m.name);
    // Applying outside the lock would be a planning bug.
    if (!locked) return fail(Code::kInternal, "apply without lock");
    if (failVersion && *failVersion == m.version) return fail(Code::kDatabaseUnavailable, "syntax error at or near");
    versions.insert(m.version);
    appliedSql.push_back(m.sql);
    return {};
  }

  std::vector<std::string> calls;
  std::set<int> versions;
  std::vector<std::string> appliedSql;
  bool locked = false;
  bool failLock = false;
  bool failApplied = false;
  std::optional<int> failVersion;
};

const std::vector<MigrationFile> kThree{
    {"003_third.sql", "SELECT 3"},
    {"001_first.sql", "SELECT 1"},
    {"002_second.sql", "SELECT 2"},
};

// Migrations are sorted by version whatever the input order, with name and SQL kept.
TEST(MigrationsTest, ParseSortsByVersion) {
  auto r = parseMigrations(kThree);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].version, 1);
  EXPECT_EQ((*r)[0].name, "001_first.sql");
  EXPECT_EQ((*r)[0].sql, "SELECT 1");
  EXPECT_EQ((*r)[1].version, 2);
  EXPECT_EQ((*r)[2].version, 3);
  EXPECT_EQ((*r)[2].name, "003_third.sql");
}

// Versions compare as numbers, not strings ("10" after "9").
TEST(MigrationsTest, ParseSortsNumerically) {
  auto r = parseMigrations({{"10_ten.sql", ""}, {"9_nine.sql", ""}, {"100_hundred.sql", ""}});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].version, 9);
  EXPECT_EQ((*r)[1].version, 10);
  EXPECT_EQ((*r)[2].version, 100);
}

// No files is no migrations, not an error.
TEST(MigrationsTest, ParseEmptyList) {
  auto r = parseMigrations({});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

// Names that are not NNN_name.sql are refused, and the error names the file.
TEST(MigrationsTest, ParseRejectsBadNames) {
  for (const char* bad : {"init.sql", "01a_x.sql", "000_x.sql", "001_x.txt", "_x.sql", "-01_x.sql", "001_x.SQL",
                          "001_x.sql.bak", " 001_x.sql", "99999999999_x.sql", "001", ""}) {
    auto r = parseMigrations({{"001_ok.sql", "SELECT 1"}, {bad, "SELECT 2"}});
    ASSERT_FALSE(r) << "'" << bad << "' accepted";
    EXPECT_EQ(r.error().code, Code::kInternal);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

// Two files with the same version (even spelled differently) are refused, naming both.
TEST(MigrationsTest, ParseRejectsDuplicateVersions) {
  auto r = parseMigrations({{"001_a.sql", ""}, {"002_b.sql", ""}, {"1_c.sql", ""}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("001_a.sql"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("1_c.sql"), std::string::npos) << r.error().message;
}

// pending() keeps only unapplied versions, in order, even with gaps.
TEST(MigrationsTest, PendingFiltersApplied) {
  auto all = parseMigrations(kThree);
  ASSERT_TRUE(all);
  const auto none = pending(*all, {1, 2, 3});
  EXPECT_TRUE(none.empty());
  const auto some = pending(*all, {2});
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].version, 1);
  EXPECT_EQ(some[1].version, 3);
  EXPECT_EQ(pending(*all, {}).size(), 3u);
  // Versions the ledger knows but the binary does not are ignored.
  EXPECT_EQ(pending(*all, {1, 2, 3, 99}).size(), 0u);
}

// migrate() locks, applies every pending migration in version order, records them and unlocks.
TEST(MigrationsTest, MigrateAppliesInOrder) {
  FakeLedger ledger;
  auto r = migrate(ledger, kThree);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (std::vector<std::string>{"001_first.sql", "002_second.sql", "003_third.sql"}));
  EXPECT_EQ(ledger.calls, (std::vector<std::string>{"lock", "applied", "apply 001_first.sql", "apply 002_second.sql",
                                                    "apply 003_third.sql", "unlock"}));
  EXPECT_EQ(ledger.versions, (std::set<int>{1, 2, 3}));
  EXPECT_EQ(ledger.appliedSql, (std::vector<std::string>{"SELECT 1", "SELECT 2", "SELECT 3"}));
  EXPECT_FALSE(ledger.locked);
}

// A second run applies nothing and returns an empty list (still locking and unlocking).
TEST(MigrationsTest, SecondRunAppliesNothing) {
  FakeLedger ledger;
  ASSERT_TRUE(migrate(ledger, kThree));
  ledger.calls.clear();
  auto r = migrate(ledger, kThree);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(ledger.calls, (std::vector<std::string>{"lock", "applied", "unlock"}));
}

// Only migrations newer than those already applied run.
TEST(MigrationsTest, AppliesOnlyMissing) {
  FakeLedger ledger;
  ledger.versions = {1};
  auto r = migrate(ledger, kThree);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (std::vector<std::string>{"002_second.sql", "003_third.sql"}));
}

// A failing migration stops the run there, names the file in the error, keeps its
// code, leaves later ones unapplied, and the lock is released.
TEST(MigrationsTest, StopsAtFirstFailureAndUnlocks) {
  FakeLedger ledger;
  ledger.failVersion = 2;
  auto r = migrate(ledger, kThree);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kDatabaseUnavailable);
  EXPECT_TRUE(r.error().message.starts_with("002_second.sql: ")) << r.error().message;
  EXPECT_NE(r.error().message.find("syntax error"), std::string::npos) << r.error().message;
  EXPECT_EQ(ledger.versions, (std::set<int>{1}));
  EXPECT_EQ(ledger.calls,
            (std::vector<std::string>{"lock", "applied", "apply 001_first.sql", "apply 002_second.sql", "unlock"}));
  EXPECT_FALSE(ledger.locked);
}

// When the very first migration fails the lock is still released.
TEST(MigrationsTest, UnlocksWhenFirstApplyFails) {
  FakeLedger ledger;
  ledger.failVersion = 1;
  auto r = migrate(ledger, kThree);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with("001_first.sql: ")) << r.error().message;
  ASSERT_FALSE(ledger.calls.empty());
  EXPECT_EQ(ledger.calls.back(), "unlock");
  EXPECT_TRUE(ledger.versions.empty());
}

// A lock() failure is returned as is: nothing is read or applied, and nothing to unlock.
TEST(MigrationsTest, LockFailureAppliesNothing) {
  FakeLedger ledger;
  ledger.failLock = true;
  auto r = migrate(ledger, kThree);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kDatabaseUnavailable);
  EXPECT_EQ(r.error().message, "lock failed");
  EXPECT_EQ(ledger.calls, (std::vector<std::string>{"lock"}));
  EXPECT_TRUE(ledger.versions.empty());
}

// A failure reading the applied versions is returned, nothing applied, lock released.
TEST(MigrationsTest, AppliedFailureUnlocks) {
  FakeLedger ledger;
  ledger.failApplied = true;
  auto r = migrate(ledger, kThree);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot read ledger");
  EXPECT_EQ(ledger.calls, (std::vector<std::string>{"lock", "applied", "unlock"}));
}

// Badly named files are refused before the database is touched.
TEST(MigrationsTest, BadFilesRefusedBeforeLocking) {
  FakeLedger ledger;
  auto r = migrate(ledger, {{"001_ok.sql", ""}, {"init.sql", ""}});
  ASSERT_FALSE(r);
  EXPECT_TRUE(ledger.calls.empty());
}

// The migrations built into the binary parse, start at 1 and have no gaps.
TEST(MigrationsTest, EmbeddedMigrationsAreContiguousFromOne) {
  const auto& files = embeddedMigrations();
  ASSERT_FALSE(files.empty());
  auto r = parseMigrations(files);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), files.size());
  for (size_t i = 0; i < r->size(); ++i) {
    EXPECT_EQ((*r)[i].version, static_cast<int>(i) + 1) << (*r)[i].name;
    EXPECT_FALSE((*r)[i].sql.empty()) << (*r)[i].name;
  }
}

// Applying the embedded set to an empty ledger applies each file once.
TEST(MigrationsTest, EmbeddedMigrationsApplyToEmptyLedger) {
  FakeLedger ledger;
  auto r = migrate(ledger, embeddedMigrations());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), embeddedMigrations().size());
  EXPECT_EQ(ledger.versions.size(), embeddedMigrations().size());
}

}  // namespace
}  // namespace authd::store::pg
