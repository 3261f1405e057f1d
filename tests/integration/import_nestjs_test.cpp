// `authd import-nestjs` end to end: the original NestJS service's TypeORM schema built in a database of its own in
// the test stack's PostgreSQL, its password and key hashes made by the npm package bcryptjs (an implementation
// independent of the libxcrypt authd checks them with), imported by the authd binary as an operator runs it; then
// logins through nginx with the old passwords, the hash replaced by argon2id, and a second import that changes
// nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/cli_run.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// `authd import-nestjs ARGS` with the test stack's database as the target, in a clean environment.
// `extraEnv`: NAME=value words added to that environment (e.g. PGPASSWORD).
CliResult runImport(const std::string& args, const std::string& extraEnv = "") {
  std::string cmd = "env -i PATH=/usr/bin:/bin AUTHD_ENV_FILE=/dev/null " + extraEnv;
  for (const auto& [k, v] : stackSettings()) {
    cmd += " " + k + "=" + shellQuote(v);
  }
  return runShell(cmd + " " + shellQuote(authdBinary()) + " import-nestjs " + args);
}

std::string percentEncoded(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The repository: scripts/stack.sh's grandparent.
fs::path sourceDir() { return fs::path(testEnv().stackScript).parent_path().parent_path(); }

// bcrypt hashes (cost 10, as the original service made them) of `passwords`, by bcryptjs.
std::vector<std::string> bcryptjs(const std::vector<std::string>& passwords) {
  std::string cmd = "node " + shellQuote((sourceDir() / "scripts" / "bcrypt-hash.mjs").string()) + " --rounds 10";
  for (const auto& p : passwords) cmd += " " + shellQuote(p);
  const CliResult r = runShell(cmd);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::vector<std::string> hashes;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) hashes.push_back(line);
  EXPECT_EQ(hashes.size(), passwords.size()) << r.out << r.err;
  for (const auto& h : hashes) EXPECT_TRUE(h.starts_with("$2") && h.size() == 60) << h;
  return hashes;
}

// The original service's schema, as its TypeORM entities make it (quoted camelCase columns, `timestamp` without
// time zone).
constexpr const char* kOriginalSchema = R"sql(
CREATE TABLE "users" (
  "id" uuid NOT NULL DEFAULT gen_random_uuid(),
  "email" character varying NOT NULL,
  "password" character varying NOT NULL,
  "name" character varying,
  "isActive" boolean NOT NULL DEFAULT true,
  "refreshToken" character varying,
  "createdAt" TIMESTAMP NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMP NOT NULL DEFAULT now(),
  CONSTRAINT "UQ_users_email" UNIQUE ("email"),
  CONSTRAINT "PK_users" PRIMARY KEY ("id"));
CREATE TABLE "api_keys" (
  "id" uuid NOT NULL DEFAULT gen_random_uuid(),
  "key" character varying NOT NULL,
  "name" character varying NOT NULL,
  "userId" uuid,
  "isActive" boolean NOT NULL DEFAULT true,
  "expiresAt" TIMESTAMP,
  "lastUsedAt" TIMESTAMP,
  "createdAt" TIMESTAMP NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMP NOT NULL DEFAULT now(),
  CONSTRAINT "UQ_api_keys_key" UNIQUE ("key"),
  CONSTRAINT "PK_api_keys" PRIMARY KEY ("id"),
  CONSTRAINT "FK_api_keys_user" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE);
)sql";

// A database of the test's own in the stack's PostgreSQL (owned by the stack's user), dropped at the end.
class SourceDatabase {
 public:
  SourceDatabase() : name_("nestjs_src_" + crypto::toHex(crypto::randomBytes(6))) {
    const TestEnv& t = testEnv();
    ok_ = admin("CREATE DATABASE " + name_ + " OWNER " + t.dbUser);
  }
  ~SourceDatabase() {
    if (ok_) admin("DROP DATABASE " + name_ + " WITH (FORCE)");
  }
  SourceDatabase(const SourceDatabase&) = delete;
  SourceDatabase& operator=(const SourceDatabase&) = delete;

  bool ok() const { return ok_; }
  // postgres://USER@HOST:PORT/NAME, the password left to PGPASSWORD, as the README advises.
  std::string urlWithoutPassword() const {
    const TestEnv& t = testEnv();
    return "postgres://" + percentEncoded(t.dbUser) + "@" + t.dbHost + ":" + std::to_string(t.dbPort) + "/" + name_;
  }
  // postgres://USER:PASSWORD@HOST:PORT/NAME, with `password` in place of the stack's when given.
  std::string url(const std::string& password = {}) const {
    const TestEnv& t = testEnv();
    return "postgres://" + percentEncoded(t.dbUser) + ":" + percentEncoded(password.empty() ? t.dbPassword : password) +
           "@" + t.dbHost + ":" + std::to_string(t.dbPort) + "/" + name_;
  }
  // A connection to it as the stack's user.
  pqxx::connection connect() const {
    const TestEnv& t = testEnv();
    return pqxx::connection(store::pg::makeConninfo(t.dbHost, t.dbPort, t.dbUser, t.dbPassword, name_,
                                                    std::chrono::seconds(5), std::chrono::seconds(30)));
  }

 private:
  // As PostgreSQL's superuser (scripts/stack.sh pg-admin): the stack's user may not create databases.
  static bool admin(const std::string& sql) {
    const TestEnv& t = testEnv();
    const CliResult r = runShell("bash " + shellQuote(t.stackScript) + " pg-admin " + shellQuote(t.stateDir) + " -c " +
                                 shellQuote(sql));
    EXPECT_EQ(r.exitCode, 0) << sql << ": " << r.err;
    return r.exitCode == 0;
  }

  std::string name_;
  bool ok_ = false;
};

// A source user the test knows by heart.
struct SourceUser {
  std::string id;
  std::string email;
  std::string password;
};

// What authd's database holds about the given users (and their listed keys), as one text: equal texts, unchanged
// rows.
std::string authdRows(store::pg::PgPool& pool, const std::vector<std::string>& ids) {
  std::string all;
  for (const auto& id : ids) {
    auto r = pool.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::string out;
      for (const auto& row :
           tx.exec_params("SELECT id, email, name, password_hash, is_active, created_at, updated_at FROM users "
                          "WHERE id = $1::uuid",
                          id)) {
        for (const auto& f : row) out += (f.is_null() ? "NULL" : f.c_str()) + std::string("|");
      }
      for (const auto& row : tx.exec_params(
               "SELECT id, name, is_active, imported_at FROM nestjs_import_keys WHERE user_id = $1::uuid ORDER BY id",
               id)) {
        for (const auto& f : row) out += (f.is_null() ? "NULL" : f.c_str()) + std::string("|");
      }
      return out;
    });
    EXPECT_TRUE(r.has_value()) << describe(r.error());
    all += (r ? *r : "?") + "\n";
  }
  return all;
}

// One column of authd's users row for `id` ("" when there is no such row).
std::string userColumn(store::pg::PgPool& pool, const std::string& id, const std::string& column) {
  auto r = pool.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_params("SELECT " + column + "::text FROM users WHERE id = $1::uuid", id);
    return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
  });
  EXPECT_TRUE(r.has_value()) << describe(r.error());
  return r ? *r : std::string();
}

// The source's rows as text, to show the import never wrote there.
std::string sourceRows(const SourceDatabase& db) {
  auto c = db.connect();
  pqxx::nontransaction tx(c);
  std::string out;
  for (const char* q : {"SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM users u",
                        "SELECT md5(string_agg(k::text, ',' ORDER BY id)) FROM api_keys k"}) {
    out += tx.exec1(q)[0].c_str() + std::string("\n");
  }
  return out;
}

json parseReport(const CliResult& r) {
  json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not one JSON object: " << r.out << "\nstderr: " << r.err;
  return j;
}

const json* findUser(const json& list, const std::string& id) {
  for (const auto& u : list) {
    if (u.value("id", "") == id) return &u;
  }
  return nullptr;
}

constexpr const char* kNull = nullptr;  // a NULL parameter
constexpr int kFillers = 1200;          // more than one batch of 1000: progress and batches

class ImportNestjsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs::exists(authdBinary())) << authdBinary(); }
};

// The whole migration as an operator runs it: a dry run that writes nothing; the import (users with their ids,
// emails, names, isActive and createdAt; an email that collides in another case reported, not merged; a
// non-bcrypt password skipped; keys listed per user); logins through nginx with the old bcrypt passwords, after
// which the stored hash is argon2id; an inactive user refused; and a second import that changes nothing.
TEST_F(ImportNestjsTest, ImportsUsersAndTheirPasswordsKeepWorking) {
  const TestEnv& t = testEnv();
  SourceDatabase db;
  ASSERT_TRUE(db.ok());
  auto target = makeTestPgPool(2);

  // An authd user whose email an original user has in another case.
  const Account existing = signup(t.nginxPort, "import-collide");
  ASSERT_FALSE(existing.id.empty());
  std::string collidingEmail = existing.email;
  for (char& c : collidingEmail) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  const SourceUser ann{crypto::uuidV4(), uniqueEmail("import-ann"), "Old-Password-1"};
  const SourceUser bob{crypto::uuidV4(), uniqueEmail("import-bob"), "Old-Password-2"};      // inactive
  const SourceUser carol{crypto::uuidV4(), uniqueEmail("import-carol"), "Old-Password-3"};  // no name
  const SourceUser clash{crypto::uuidV4(), collidingEmail, "Old-Password-4"};
  const SourceUser dave{crypto::uuidV4(), uniqueEmail("import-dave"), "plain"};  // not a bcrypt hash
  const std::string run = crypto::toHex(crypto::randomBytes(4));
  const std::vector<std::string> hashes =
      bcryptjs({ann.password, bob.password, carol.password, clash.password, "filler-password",
                "sk_" + crypto::toHex(crypto::randomBytes(32)), "sk_" + crypto::toHex(crypto::randomBytes(32)),
                "sk_" + crypto::toHex(crypto::randomBytes(32)), "sk_" + crypto::toHex(crypto::randomBytes(32))});
  ASSERT_EQ(hashes.size(), 9u);
  const std::string annKey1 = crypto::uuidV4(), annKey2 = crypto::uuidV4(), carolKey = crypto::uuidV4(),
                    clashKey = crypto::uuidV4();
  {
    auto c = db.connect();
    pqxx::work tx(c);
    tx.exec(kOriginalSchema);
    const char* insertUser =
        "INSERT INTO users (id, email, password, name, \"isActive\", \"createdAt\") VALUES ($1, $2, $3, $4, $5, $6)";
    tx.exec_params(insertUser, ann.id, ann.email, hashes[0], "Ann Old", true, "2023-05-06 07:08:09.123456");
    tx.exec_params(insertUser, bob.id, bob.email, hashes[1], "Bob Old", false, "2023-06-01 00:00:00");
    tx.exec_params(insertUser, carol.id, carol.email, hashes[2], kNull, true, "2024-01-02 03:04:05");
    tx.exec_params(insertUser, clash.id, clash.email, hashes[3], "Clash", true, "2024-01-02 03:04:05");
    tx.exec_params(insertUser, dave.id, dave.email, dave.password, "Dave", true, "2024-01-02 03:04:05");
    tx.exec_params(
        "INSERT INTO users (email, password, name) SELECT 'filler-' || $1 || '-' || g || '@example.com', $2, "
        "'Filler ' || g FROM generate_series(1, $3::integer) g",
        run, hashes[4], kFillers);
    const char* insertKey =
        "INSERT INTO api_keys (id, key, name, \"userId\", \"isActive\", \"expiresAt\", \"lastUsedAt\", "
        "\"createdAt\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    tx.exec_params(insertKey, annKey1, hashes[5], "ann production", ann.id, true, kNull, "2024-02-03 04:05:06",
                   "2023-06-01 00:00:00");
    tx.exec_params(insertKey, annKey2, hashes[6], "ann old", ann.id, false, "2024-12-31 00:00:00", kNull,
                   "2023-07-01 00:00:00");
    tx.exec_params(insertKey, carolKey, hashes[7], "carol ci", carol.id, true, kNull, kNull, "2024-01-03 00:00:00");
    tx.exec_params(insertKey, clashKey, hashes[8], "clash key", clash.id, true, kNull, kNull, "2024-01-03 00:00:00");
    tx.commit();
  }
  const std::string sourceBefore = sourceRows(db);
  const std::vector<std::string> named{ann.id, bob.id, carol.id, clash.id, dave.id};
  const size_t sourceUsers = 5 + kFillers;
  const size_t importable = 3 + kFillers;

  // --dry-run: the report of what would happen; nothing written.
  CliResult dry = runImport("--source " + shellQuote(db.url()) + " --dry-run --json");
  ASSERT_EQ(dry.exitCode, 0) << dry.out << dry.err;
  json d = parseReport(dry);
  EXPECT_TRUE(d["dryRun"].get<bool>());
  EXPECT_EQ(d["users"]["source"], sourceUsers) << d.dump(2);
  EXPECT_EQ(d["users"]["imported"], importable) << d.dump(2);
  EXPECT_EQ(d["keys"]["listed"], 3) << d.dump(2);
  EXPECT_EQ(userColumn(*target, ann.id, "email"), "") << "a dry run wrote a user";
  EXPECT_EQ(authdRows(*target, named), "\n\n\n\n\n") << "a dry run wrote something";

  // The import.
  CliResult first = runImport("--source " + shellQuote(db.url()) + " --json");
  ASSERT_EQ(first.exitCode, 0) << first.out << first.err;
  EXPECT_EQ(first.out.find(t.dbPassword), std::string::npos) << "the source password is in the output";
  EXPECT_EQ(first.err.find(t.dbPassword), std::string::npos) << "the source password is in the logs";
  EXPECT_NE(first.err.find("the source URL holds a password"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("1000 of " + std::to_string(sourceUsers) + " users"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find(std::to_string(sourceUsers) + " of " + std::to_string(sourceUsers) + " users"),
            std::string::npos)
      << first.err;
  json r = parseReport(first);
  EXPECT_FALSE(r["dryRun"].get<bool>());
  EXPECT_EQ(r["users"]["source"], sourceUsers) << r.dump(2);
  EXPECT_EQ(r["users"]["imported"], importable);
  EXPECT_EQ(r["users"]["unchanged"], 0);
  EXPECT_EQ(r["users"]["collisions"], 1);
  EXPECT_EQ(r["users"]["skipped"], 1);
  EXPECT_EQ(r["keys"]["source"], 4);
  EXPECT_EQ(r["keys"]["listed"], 3);
  EXPECT_EQ(r["keys"]["notListed"], 1);
  EXPECT_EQ(r["changes"], importable + 3);
  const json* collision = findUser(r["collisions"], clash.id);
  ASSERT_NE(collision, nullptr) << r["collisions"].dump(2);
  EXPECT_NE(collision->value("reason", "").find(existing.id), std::string::npos) << collision->dump();
  const json* skipped = findUser(r["skipped"], dave.id);
  ASSERT_NE(skipped, nullptr) << r["skipped"].dump(2);
  EXPECT_NE(skipped->value("reason", "").find("bcrypt"), std::string::npos) << skipped->dump();
  ASSERT_NE(findUser(r["renamed"], carol.id), nullptr) << r["renamed"].dump(2);
  std::map<std::string, std::vector<std::string>> reissue;  // user email -> key names
  for (const auto& entry : r["reissue"]) {
    for (const auto& k : entry["keys"])
      reissue[entry["email"].get<std::string>()].push_back(k["name"].get<std::string>());
  }
  EXPECT_EQ(reissue[ann.email], (std::vector<std::string>{"ann production", "ann old"})) << r["reissue"].dump(2);
  EXPECT_EQ(reissue[carol.email], (std::vector<std::string>{"carol ci"}));
  EXPECT_EQ(reissue.count(clash.email), 0u);

  // Ids, emails, names, isActive and createdAt (UTC) kept; the bcrypt hash as it was; the collision not merged.
  EXPECT_EQ(userColumn(*target, ann.id, "email"), ann.email);
  EXPECT_EQ(userColumn(*target, ann.id, "name"), "Ann Old");
  EXPECT_EQ(userColumn(*target, ann.id, "password_hash"), hashes[0]);
  EXPECT_EQ(userColumn(*target, ann.id, "extract(epoch FROM created_at)"), "1683356889.123456");
  EXPECT_EQ(userColumn(*target, bob.id, "is_active"), "false");
  EXPECT_EQ(userColumn(*target, carol.id, "name"), carol.email.substr(0, carol.email.find('@')));
  EXPECT_EQ(userColumn(*target, clash.id, "email"), "");
  EXPECT_EQ(userColumn(*target, dave.id, "email"), "");
  EXPECT_EQ(userColumn(*target, existing.id, "email"), existing.email);

  // The old password logs in through nginx, and the stored hash becomes argon2id; the next login uses it.
  const auto in = login(t.nginxPort, ann.email, ann.password);
  ASSERT_TRUE(in && in->status == 200) << describe(in);
  EXPECT_EQ(in->json()["user"]["id"], ann.id);
  const std::string rehashed = userColumn(*target, ann.id, "password_hash");
  EXPECT_TRUE(rehashed.starts_with("$argon2id$")) << rehashed;
  const auto again = login(t.nginxPort, ann.email, ann.password);
  ASSERT_TRUE(again && again->status == 200) << describe(again);
  EXPECT_EQ(userColumn(*target, ann.id, "password_hash"), rehashed);
  const auto refreshed = refresh(t.nginxPort, in->json()["refreshToken"].get<std::string>());
  EXPECT_TRUE(refreshed && refreshed->status == 200) << "the rehashing login's session: " << describe(refreshed);
  // A wrong password is refused, a case-insensitive email accepted, like for any user.
  const auto wrong = login(t.nginxPort, carol.email, "Old-Password-X");
  EXPECT_TRUE(wrong && wrong->status == 401) << describe(wrong);
  EXPECT_EQ(userColumn(*target, carol.id, "password_hash"), hashes[2]);
  std::string upper = carol.email;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto carolIn = login(t.nginxPort, upper, carol.password);
  EXPECT_TRUE(carolIn && carolIn->status == 200) << describe(carolIn);
  // The inactive user is refused as any inactive user is, and keeps the bcrypt hash.
  const auto inactive = login(t.nginxPort, bob.email, bob.password);
  ASSERT_TRUE(inactive && inactive->status == 403) << describe(inactive);
  EXPECT_EQ(inactive->json()["code"], "user_inactive");
  EXPECT_EQ(userColumn(*target, bob.id, "password_hash"), hashes[1]);
  // The old keys never authenticate (their hashes were not copied).
  EXPECT_EQ(userColumn(*target, ann.id, "(SELECT count(*) FROM api_keys WHERE user_id = users.id)"), "0");

  // A second import changes nothing: zero imported, the rows as they were (ann's argon2id hash included).
  const std::string before = authdRows(*target, named);
  // This time with the password in PGPASSWORD, not in the URL (nor, then, in the process list): no warning.
  CliResult second = runImport("--source " + shellQuote(db.urlWithoutPassword()) + " --json",
                               "PGPASSWORD=" + shellQuote(t.dbPassword));
  ASSERT_EQ(second.exitCode, 0) << second.out << second.err;
  EXPECT_EQ(second.err.find("warning"), std::string::npos) << second.err;
  json s = parseReport(second);
  EXPECT_EQ(s["users"]["imported"], 0) << s.dump(2);
  EXPECT_EQ(s["users"]["unchanged"], importable);
  EXPECT_EQ(s["users"]["collisions"], 1);
  EXPECT_EQ(s["users"]["skipped"], 1);
  EXPECT_EQ(s["keys"]["listed"], 0);
  EXPECT_EQ(s["keys"]["alreadyListed"], 3);
  EXPECT_EQ(s["changes"], 0);
  EXPECT_EQ(authdRows(*target, named), before);
  EXPECT_EQ(userColumn(*target, ann.id, "password_hash"), rehashed);

  // The text report says the same for an operator.
  CliResult text = runImport("--source " + shellQuote(db.url()) + " --dry-run");
  ASSERT_EQ(text.exitCode, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("0 would be imported"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(ann.email + ": ann production (" + annKey1 + ")"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("changes: 0"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find(t.dbPassword), std::string::npos) << text.out;

  // The source was only read.
  EXPECT_EQ(sourceRows(db), sourceBefore);

  // A source that refuses the password: exit 3, and the wrong password is nowhere in the output.
  CliResult refused = runImport("--source " + shellQuote(db.url("Wrong-Secret-42")));
  EXPECT_EQ(refused.exitCode, 3) << refused.out << refused.err;
  EXPECT_EQ((refused.out + refused.err).find("Wrong-Secret-42"), std::string::npos) << refused.err;
}

// A source nobody answers at, or a database that does not exist: exit 3, the password never shown.
TEST_F(ImportNestjsTest, UnavailableSourceExitsThree) {
  const TestEnv& t = testEnv();
  for (const std::string& url :
       {std::string("postgres://someone:Hidden-Pass-7@127.0.0.1:1/nestjs"),
        "postgres://" + t.dbUser + ":Hidden-Pass-7@" + t.dbHost + ":" + std::to_string(t.dbPort) + "/no_such_db"}) {
    CliResult r = runImport("--source " + shellQuote(url));
    EXPECT_EQ(r.exitCode, 3) << url << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("source"), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find("Hidden-Pass-7"), std::string::npos) << r.out << r.err;
  }
}

// Bad usage exits 2 with the usage text (no --source, an unknown option, a source that is not a postgres URL);
// --help exits 0 and needs no configuration.
TEST_F(ImportNestjsTest, BadUsageExitsTwo) {
  for (const char* args : {"", "--source", "--frobnicate --source postgres://x/y", "--source mysql://x/y",
                           "--source postgres://x/y extra"}) {
    CliResult r = runImport(args);
    EXPECT_EQ(r.exitCode, 2) << args << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("usage: authd import-nestjs"), std::string::npos) << args << ": " << r.err;
  }
  CliResult help = runShell("env -i PATH=/usr/bin:/bin AUTHD_ENV_FILE=/dev/null " + shellQuote(authdBinary()) +
                            " import-nestjs --help");
  EXPECT_EQ(help.exitCode, 0) << help.err;
  EXPECT_NE(help.out.find("--dry-run"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace authd::testing
