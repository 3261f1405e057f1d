// nginx writes some of authd's error bodies itself (the guard's 401/403 pages,
// its own 404, the JSON pages for what it refuses), so it keeps a copy of
// authd's codes, messages and reason phrases. These tests read nginx/*.conf
// and hold that copy to http/error_table, as openapi_test holds the OpenAPI
// document to the routes: editing one side only fails here, naming the line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/error_table.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

namespace fs = std::filesystem;

// One nginx token: a word, a quoted string (unquoted and unescaped), or one of ; { }.
struct Token {
  std::string text;
  bool quoted = false;
  std::string where;  // "nginx/authd.conf:58"
};

// nginx's lexical rules, as far as these files use them: # comments, '…' and "…"
// strings with backslash escapes, ; { } as their own tokens.
std::vector<Token> tokenize(const std::string& text, const std::string& name) {
  std::vector<Token> out;
  int line = 1;
  const auto at = [&] { return name + ":" + std::to_string(line); };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == ';' || c == '{' || c == '}') {
      out.push_back({std::string(1, c), false, at()});
      ++i;
    } else if (c == '\'' || c == '"') {
      Token t{"", true, at()};
      for (++i; i < text.size() && text[i] != c; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        if (text[i] == '\n') ++line;
        t.text += text[i];
      }
      ++i;  // the closing quote
      out.push_back(std::move(t));
    } else {
      Token t{"", false, at()};
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != ';' &&
             text[i] != '{' && text[i] != '}') {
        t.text += text[i++];
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Every token of every .conf file under nginx/, file by file in name order.
const std::vector<Token>& nginxTokens() {
  static const std::vector<Token> kTokens = [] {
    const fs::path root = AUTHD_SOURCE_DIR;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root / "nginx")) {
      if (e.is_regular_file() && e.path().extension() == ".conf") files.push_back(e.path());
    }
    std::ranges::sort(files);
    std::vector<Token> all;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream text;
      text << in.rdbuf();
      auto tokens = tokenize(text.str(), fs::relative(f, root).string());
      all.insert(all.end(), tokens.begin(), tokens.end());
    }
    return all;
  }();
  return kTokens;
}

// One `key value;` line of a map block.
struct MapEntry {
  std::string key;
  std::string value;
  std::string where;
};

// The entries of `map <source> <variable> { … }` (without `default`); empty if there is no such map.
std::vector<MapEntry> mapEntries(const std::string& variable) {
  const auto& t = nginxTokens();
  std::vector<MapEntry> out;
  for (size_t i = 0; i + 3 < t.size(); ++i) {
    if (t[i].quoted || t[i].text != "map" || t[i + 2].text != variable || t[i + 3].text != "{") continue;
    for (size_t j = i + 4; j + 2 < t.size() && t[j].text != "}"; j += 3) {
      if (t[j + 2].text != ";") {
        ADD_FAILURE() << t[j].where << ": expected `key value;` in map " << variable;
        break;
      }
      if (t[j].text != "default") out.push_back({t[j].text, t[j + 1].text, t[j].where});
    }
  }
  return out;
}

// A `return <status> '<body>';` whose body is a JSON error (it names a statusCode).
struct ErrorPage {
  int status;
  std::string body;
  std::string where;
};

std::vector<ErrorPage> errorPages() {
  const auto& t = nginxTokens();
  std::vector<ErrorPage> out;
  for (size_t i = 0; i + 3 < t.size(); ++i) {
    if (t[i].quoted || t[i].text != "return" || !t[i + 2].quoted || t[i + 3].text != ";") continue;
    if (t[i + 2].text.find("\"statusCode\"") == std::string::npos) continue;
    out.push_back({std::stoi(t[i + 1].text), t[i + 2].text, t[i + 2].where});
  }
  return out;
}

// The authd code with this stable name, if any (nginx also has codes of its own).
std::optional<Code> authdCode(std::string_view name) {
  for (size_t i = 0; i < kCodeCount; ++i) {
    if (codeName(static_cast<Code>(i)) == name) return static_cast<Code>(i);
  }
  return std::nullopt;
}

// Whether authd itself answers some code with this status (then nginx must spell it as authd does).
bool authdAnswers(int status) {
  for (size_t i = 0; i < kCodeCount; ++i) {
    if (statusOf(static_cast<Code>(i)) == status) return true;
  }
  return false;
}

// The status nginx may answer a client with for an authd code: authd's own, except that the
// guard turns /verify's 403 rate_limited and usage_exceeded into 429 Too Many Requests (README, authd-server.conf).
bool nginxStatusFits(Code c, int status) {
  return status == statusOf(c) || ((c == Code::kRateLimited || c == Code::kUsageExceeded) && status == 429);
}

// The tokenizer reads words, both kinds of quotes with escapes, comments and line numbers.
TEST(NginxErrors, TokenizerReadsNginxSyntax) {
  const auto t = tokenize("map $a $b {\n  x \"q\\\"s\"; # note ' \"\n  default 'y z';\n}\n", "f.conf");
  ASSERT_EQ(t.size(), 11u);
  EXPECT_EQ(t[0].text, "map");
  EXPECT_EQ(t[3].text, "{");
  EXPECT_EQ(t[5].text, "q\"s");
  EXPECT_TRUE(t[5].quoted);
  EXPECT_EQ(t[5].where, "f.conf:2");
  EXPECT_EQ(t[8].text, "y z");
  EXPECT_EQ(t[8].where, "f.conf:3");
  EXPECT_EQ(t[10].text, "}");
  EXPECT_EQ(t[10].where, "f.conf:4");
}

// The guard's message for each X-Auth-Error code is authd's message for that code, the code is
// a 401/403 (the only verdicts the guard turns into these pages), and every /verify denial has one.
TEST(NginxErrors, GuardMessagesMatchTheTable) {
  const auto entries = mapEntries("$authd_message");
  ASSERT_GE(entries.size(), 10u) << "map $authd_error $authd_message not found under nginx/";
  std::set<Code> listed;
  for (const auto& e : entries) {
    const auto code = authdCode(e.key);
    if (!code) {
      ADD_FAILURE() << e.where << ": '" << e.key << "' is not one of authd's codes (core/error.cpp)";
      continue;
    }
    listed.insert(*code);
    EXPECT_TRUE(statusOf(*code) == 401 || statusOf(*code) == 403)
        << e.where << ": " << e.key << " is a " << statusOf(*code) << " in http/error_table, not a /verify denial";
    EXPECT_EQ(e.value, messageOf(*code)) << e.where << ": nginx's message for " << e.key
                                         << " differs from http/error_table's";
  }
  // Denials the guard does not word: invalid_refresh_token is the account routes' only, and
  // invalid_credentials (login's) reaches /verify only for a JWT whose user no longer exists, where
  // nginx answers its default "Unauthorized" (as it always has: not a drift, a choice to revisit).
  const std::set<Code> notFromVerify{Code::kInvalidCredentials, Code::kInvalidRefreshToken};
  for (size_t i = 0; i < kCodeCount; ++i) {
    const auto c = static_cast<Code>(i);
    if ((statusOf(c) != 401 && statusOf(c) != 403) || notFromVerify.contains(c)) continue;
    EXPECT_TRUE(listed.contains(c)) << codeName(c) << " (" << statusOf(c)
                                    << ") has no message in nginx's map $authd_error $authd_message";
  }
}

// nginx's status → code map uses authd's codes only for the statuses authd gives them, and its
// status → reason phrase map spells every status authd also answers as authd does.
TEST(NginxErrors, StatusMapsMatchTheTable) {
  const auto codes = mapEntries("$authd_nginx_error_code");
  const auto names = mapEntries("$authd_nginx_error_name");
  ASSERT_FALSE(codes.empty()) << "map $status $authd_nginx_error_code not found under nginx/";
  ASSERT_FALSE(names.empty()) << "map $status $authd_nginx_error_name not found under nginx/";
  int authdCodes = 0;
  for (const auto& e : codes) {
    const int status = std::stoi(e.key);
    if (const auto code = authdCode(e.value)) {
      ++authdCodes;
      EXPECT_EQ(status, statusOf(*code)) << e.where << ": nginx answers " << e.value << " with " << status
                                         << ", http/error_table with " << statusOf(*code);
    }
  }
  EXPECT_GE(authdCodes, 4) << "expected not_found, method_not_allowed, request_timeout, payload_too_large";
  int phrases = 0;
  for (const auto& e : names) {
    const int status = std::stoi(e.key);
    if (!authdAnswers(status)) continue;
    ++phrases;
    EXPECT_EQ(e.value, reasonPhrase(status)) << e.where << ": nginx's reason phrase for " << status
                                             << " differs from authd's (http/json_io.cpp reasonPhrase)";
  }
  EXPECT_GE(phrases, 6);
}

// Every JSON error body nginx returns has authd's four fields in authd's order, its statusCode is the
// status returned, its error the reason phrase authd uses, and an authd code carries authd's status and
// message. (nginx's own codes, auth_unavailable and guard_misconfigured, and its generic "Request refused
// by the proxy" page are nginx's words: only their shape and phrase are checked.)
TEST(NginxErrors, ErrorPagesMatchTheTable) {
  const auto pages = errorPages();
  ASSERT_GE(pages.size(), 6u) << "nginx's JSON error pages not found under nginx/";
  const std::regex shape(R"re(^\{"statusCode":([^,"]+),"error":"([^"]*)","message":"([^"]*)","code":"([^"]*)"\}$)re");
  for (const auto& p : pages) {
    std::smatch m;
    if (!std::regex_match(p.body, m, shape)) {
      ADD_FAILURE() << p.where << ": not {\"statusCode\":…,\"error\":…,\"message\":…,\"code\":…}: " << p.body;
      continue;
    }
    const std::string statusCode = m[1], error = m[2], message = m[3], code = m[4];
    if (statusCode == "$status") continue;  // the generic page: its parts come from the status maps above
    EXPECT_EQ(statusCode, std::to_string(p.status)) << p.where << ": statusCode differs from the status returned";
    if (authdAnswers(p.status)) {
      EXPECT_EQ(error, reasonPhrase(p.status)) << p.where << ": reason phrase differs from authd's for " << p.status;
    }
    if (code.starts_with("$")) continue;  // the guard's X-Auth-Error: see GuardMessagesMatchTheTable
    const auto c = authdCode(code);
    if (!c) continue;  // nginx's own code
    EXPECT_TRUE(nginxStatusFits(*c, p.status))
        << p.where << ": nginx answers " << code << " with " << p.status << ", http/error_table with " << statusOf(*c);
    if (!message.starts_with("$")) {
      EXPECT_EQ(message, messageOf(*c)) << p.where << ": nginx's message for " << code
                                        << " differs from http/error_table's";
    }
  }
}

}  // namespace
}  // namespace authd::http
