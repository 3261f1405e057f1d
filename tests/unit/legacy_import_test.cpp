#include "accounts/legacy_import.hpp"

#include <gtest/gtest.h>

#include <string>

namespace authd::accounts {
namespace {

constexpr const char* kBcrypt = "$2b$04$Hv4AEVGHJhQu/ZCmdwQQreeXZVdvsUfjS5NwIY53Jl8BlSlhPRaAW";

LegacyUser user(std::optional<std::string> name = std::string("Ann")) {
  return {"0b6f6a4e-8a53-4c1b-9d64-3a6cd7a3f0c1", "Ann.Smith@Example.com", std::move(name), kBcrypt, true,
          "2023-05-06 07:08:09.123456+00"};
}

// A well-formed user is importable under its own name.
TEST(LegacyImportTest, WellFormedUserKeepsItsName) {
  const auto plan = planLegacyUser(user());
  EXPECT_FALSE(plan.skip.has_value()) << *plan.skip;
  EXPECT_EQ(plan.name, "Ann");
  EXPECT_FALSE(plan.nameNote.has_value());
}

// A NULL or blank name becomes the email's local part, as typed, and says so.
TEST(LegacyImportTest, MissingNameBecomesTheLocalPart) {
  for (const auto& name :
       {std::optional<std::string>(), std::optional<std::string>(""), std::optional<std::string>("  \t ")}) {
    const auto plan = planLegacyUser(user(name));
    ASSERT_FALSE(plan.skip.has_value());
    EXPECT_EQ(plan.name, "Ann.Smith");
    ASSERT_TRUE(plan.nameNote.has_value());
    EXPECT_NE(plan.nameNote->find("local part"), std::string::npos) << *plan.nameNote;
  }
}

// A name over 100 characters is cut to 100 code points (never inside a UTF-8 sequence); control characters
// become spaces; both are noted.
TEST(LegacyImportTest, LongAndControlNamesAreCleaned) {
  std::string longName;
  for (int i = 0; i < 120; ++i) longName += "é";
  auto plan = planLegacyUser(user(longName));
  ASSERT_FALSE(plan.skip.has_value());
  EXPECT_EQ(plan.name.size(), 200u);  // 100 two-byte characters
  EXPECT_TRUE(plan.nameNote.has_value());

  plan = planLegacyUser(user(std::string("Ann\nSmith")));
  EXPECT_EQ(plan.name, "Ann Smith");
  EXPECT_TRUE(plan.nameNote.has_value());
}

// A password that is not a bcrypt string, an email authd refuses and an id that is no UUID are skipped, each with
// its reason.
TEST(LegacyImportTest, UnimportableUsersAreSkippedWithAReason) {
  LegacyUser u = user();
  u.passwordHash = "plain-text";
  EXPECT_NE(planLegacyUser(u).skip.value_or("").find("bcrypt"), std::string::npos);
  u = user();
  u.passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  EXPECT_TRUE(planLegacyUser(u).skip.has_value());
  for (const char* email : {"not-an-email", " ann@example.com", "ann@exam ple.com", "ånn@example.com", ""}) {
    u = user();
    u.email = email;
    EXPECT_NE(planLegacyUser(u).skip.value_or("").find("email"), std::string::npos) << email;
  }
  u = user();
  u.id = "42";
  EXPECT_NE(planLegacyUser(u).skip.value_or("").find("UUID"), std::string::npos);
}

// The JSON report has the counts, the lists and `changes`, what a second run reports as 0.
TEST(LegacyImportTest, ReportJsonCarriesCountsAndLists) {
  ImportReport r;
  r.sourceUsers = 4;
  r.imported = 2;
  r.unchanged = 1;
  r.collisions = 1;
  r.sourceKeys = 2;
  r.keysListed = 1;
  r.keysAlreadyListed = 1;
  r.collisionList.push_back({"id-c", "c@example.com", "the email exists in authd as user x"});
  r.reissue.push_back({"id-a", "a@example.com", {{"k1", "prod", true, std::nullopt, "2024-01-01 00:00:00+00", true}}});
  const auto j = reportJson(r);
  EXPECT_EQ(j["users"]["imported"], 2);
  EXPECT_EQ(j["users"]["unchanged"], 1);
  EXPECT_EQ(j["keys"]["listed"], 1);
  EXPECT_EQ(j["changes"], 3);
  EXPECT_EQ(j["collisions"][0]["email"], "c@example.com");
  EXPECT_EQ(j["reissue"][0]["keys"][0]["name"], "prod");
  EXPECT_TRUE(j["reissue"][0]["keys"][0]["expiresAt"].is_null());
  const std::string text = reportText(r);
  EXPECT_NE(text.find("2 imported, 1 unchanged, 1 collisions"), std::string::npos) << text;
  EXPECT_NE(text.find("a@example.com: prod (k1)"), std::string::npos) << text;
  EXPECT_NE(text.find("changes: 3"), std::string::npos) << text;
}

}  // namespace
}  // namespace authd::accounts
