#include "config/dotenv.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

namespace authd::config {
namespace {

namespace fs = std::filesystem;

using authd::testing::TempDir;

// Parses text that must be valid, failing the test with the parser's message otherwise.
EnvMap parseOk(std::string_view text) {
  auto r = parseDotenv(text);
  EXPECT_TRUE(r) << "input: " << text << "\nerror: " << (r ? "" : r.error());
  return r ? *r : EnvMap{};
}

// Plain KEY=VALUE lines become entries; surrounding spaces around name and value are dropped.
TEST(DotenvTest, ParsesKeyValueLines) {
  const auto env = parseOk("A=1\nB_2=hello world\n  C  =  spaced  \n_lower_ok=x\n");
  EXPECT_EQ(env.size(), 4u);
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B_2"), "hello world");
  EXPECT_EQ(env.at("C"), "spaced");
  EXPECT_EQ(env.at("_lower_ok"), "x");
}

// Empty input and a file without a trailing newline both parse.
TEST(DotenvTest, EmptyInputAndNoTrailingNewline) {
  EXPECT_TRUE(parseOk("").empty());
  const auto env = parseOk("A=1");
  EXPECT_EQ(env.at("A"), "1");
}

// `KEY=` gives an empty value rather than an error.
TEST(DotenvTest, EmptyValueIsAllowed) {
  const auto env = parseOk("EMPTY=\nQUOTED=\"\"\nSINGLE=''\n");
  EXPECT_EQ(env.at("EMPTY"), "");
  EXPECT_EQ(env.at("QUOTED"), "");
  EXPECT_EQ(env.at("SINGLE"), "");
}

// Comment lines (also indented) and blank or whitespace-only lines are skipped.
TEST(DotenvTest, SkipsCommentsAndBlankLines) {
  const auto env = parseOk("# a comment\n\n   \n\t# indented comment\nA=1\n#B=2\n");
  EXPECT_EQ(env.size(), 1u);
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_FALSE(env.contains("B"));
}

// A leading `export ` is ignored, as in shell-sourced files.
TEST(DotenvTest, ExportPrefixIsIgnored) {
  const auto env = parseOk("export A=1\nexport   B=\"two\"\n");
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two");
  EXPECT_FALSE(env.contains("export A"));
}

// A variable literally called `export` is still a variable.
TEST(DotenvTest, VariableNamedExport) {
  const auto env = parseOk("export=1\n");
  EXPECT_EQ(env.at("export"), "1");
}

// Single quotes are literal: no escapes, `#` and spaces kept.
TEST(DotenvTest, SingleQuotesAreLiteral) {
  const auto env = parseOk(R"(A='  x\ny # not a comment  ')");
  EXPECT_EQ(env.at("A"), R"(  x\ny # not a comment  )");
}

// Double quotes keep spaces and understand \n, \" and \\.
TEST(DotenvTest, DoubleQuotesUnderstandEscapes) {
  const auto env = parseOk(R"(A="  line1\nline2 \"q\" back\\slash  ")");
  EXPECT_EQ(env.at("A"), "  line1\nline2 \"q\" back\\slash  ");
}

// A single quote inside double quotes (and vice versa) is an ordinary character.
TEST(DotenvTest, OtherQuoteInsideQuotes) {
  const auto env = parseOk("A=\"it's\"\nB='say \"hi\"'\n");
  EXPECT_EQ(env.at("A"), "it's");
  EXPECT_EQ(env.at("B"), "say \"hi\"");
}

// In an unquoted value ` #` starts a comment; a `#` not preceded by a space is data.
TEST(DotenvTest, InlineCommentInUnquotedValue) {
  const auto env = parseOk("A=value # comment\nB=pass#word\nC=abc   # spaced comment\n");
  EXPECT_EQ(env.at("A"), "value");
  EXPECT_EQ(env.at("B"), "pass#word");
  EXPECT_EQ(env.at("C"), "abc");
}

// `#` inside quotes is kept, and a comment may follow the closing quote.
TEST(DotenvTest, HashInsideQuotesIsKept) {
  const auto env = parseOk("A=\"a # b\" # trailing comment\nB='x #y'#c\n");
  EXPECT_EQ(env.at("A"), "a # b");
  EXPECT_EQ(env.at("B"), "x #y");
}

// Only the first `=` separates name from value; later ones belong to the value.
TEST(DotenvTest, EqualsSignInValue) {
  const auto env = parseOk("URL=postgres://u:p@h/db?sslmode=require&a=b\nB64=YWJj==\n");
  EXPECT_EQ(env.at("URL"), "postgres://u:p@h/db?sslmode=require&a=b");
  EXPECT_EQ(env.at("B64"), "YWJj==");
}

// Windows line endings: the `\r` never ends up in names or values.
TEST(DotenvTest, CrlfLineEndings) {
  const auto env = parseOk("A=1\r\nB=\"two\"\r\n# c\r\n\r\nC='three'\r\n");
  EXPECT_EQ(env.size(), 3u);
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two");
  EXPECT_EQ(env.at("C"), "three");
}

// Names must be [A-Za-z_][A-Za-z0-9_]*; anything else is refused with the line number.
TEST(DotenvTest, RejectsInvalidNames) {
  for (const char* text : {"1A=x", "A-B=x", "A.B=x", "=x", "A B=x", "Ä=x", "export =x"}) {
    auto r = parseDotenv(std::string("OK=1\n") + text + "\n");
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find("line 2"), std::string::npos) << text << " -> " << r.error();
    EXPECT_NE(r.error().find("invalid name"), std::string::npos) << text << " -> " << r.error();
  }
}

// A non-comment line without `=` is an error naming its line (blank and comment lines counted).
TEST(DotenvTest, RejectsLineWithoutEquals) {
  auto r = parseDotenv("A=1\n\n# c\nJUSTANAME\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "line 4: expected KEY=VALUE");
}

// An unterminated quote is an error naming the line, for both quote kinds.
TEST(DotenvTest, UnterminatedQuoteNamesLine) {
  auto dq = parseDotenv("A=1\nB=2\nC=\"open\n");
  ASSERT_FALSE(dq);
  EXPECT_NE(dq.error().find("line 3"), std::string::npos) << dq.error();
  EXPECT_NE(dq.error().find("unterminated"), std::string::npos) << dq.error();

  auto sq = parseDotenv("A='open");
  ASSERT_FALSE(sq);
  EXPECT_NE(sq.error().find("line 1"), std::string::npos) << sq.error();

  // An escaped closing quote does not close the value.
  auto esc = parseDotenv(R"(A="abc\")");
  ASSERT_FALSE(esc);
  EXPECT_NE(esc.error().find("line 1"), std::string::npos) << esc.error();

  // A lone quote character is unterminated too.
  EXPECT_FALSE(parseDotenv("A=\""));
}

// Text after a closing quote that is not a comment is refused rather than silently dropped.
TEST(DotenvTest, RejectsTextAfterClosingQuote) {
  auto r = parseDotenv("A=1\nB=\"x\"y\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("line 2"), std::string::npos) << r.error();
}

// When a name repeats, the later line wins.
TEST(DotenvTest, LaterDuplicateWins) {
  const auto env = parseOk("A=first\nB=x\nA=second\nexport A=third\n");
  EXPECT_EQ(env.size(), 2u);
  EXPECT_EQ(env.at("A"), "third");
}

// An empty value followed by ` # comment` should be empty, not the comment text
// (so `DB_PASSWORD= # none` does not set the password to "# none").
TEST(DotenvTest, EmptyValueWithInlineCommentIsEmpty) {
  const auto env = parseOk("A= # comment\n");
  EXPECT_EQ(env.at("A"), "");
}

// A missing file is an empty map, not an error.
TEST(DotenvTest, ReadMissingFileIsEmpty) {
  TempDir dir;
  auto r = readDotenvFile((dir.path() / "does-not-exist.env").string());
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->empty());
}

// A real file is read and parsed, bytes intact (CRLF and quotes included).
TEST(DotenvTest, ReadsRealFile) {
  TempDir dir;
  const auto file = dir.path() / ".env";
  {
    std::ofstream out(file, std::ios::binary);
    out << "# config\r\nexport JWT_SECRET=\"abc def\"\r\nDB_PORT=5433 # local\r\n";
  }
  auto r = readDotenvFile(file.string());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(r->at("JWT_SECRET"), "abc def");
  EXPECT_EQ(r->at("DB_PORT"), "5433");
}

// A parse error in a file names the path and the line.
TEST(DotenvTest, ReadFileErrorNamesPathAndLine) {
  TempDir dir;
  const auto file = dir.path() / "bad.env";
  {
    std::ofstream out(file, std::ios::binary);
    out << "A=1\nB='oops\n";
  }
  auto r = readDotenvFile(file.string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find(file.string()), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("line 2"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace authd::config
