#include "config/dotenv.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace authd::config {
namespace {

std::string_view trim(std::string_view s) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool validKey(std::string_view k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  for (char c : k) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Unquotes a value. Double quotes understand \n, \" and \\; single quotes are
// literal; an unquoted value ends at a ` #` comment.
std::expected<std::string, std::string> parseValue(std::string_view v) {
  if (v.empty()) return std::string{};
  const char q = v.front();
  if (q == '"' || q == '\'') {
    std::string out;
    size_t i = 1;
    for (; i < v.size() && v[i] != q; ++i) {
      if (q == '"' && v[i] == '\\' && i + 1 < v.size()) {
        const char n = v[++i];
        out.push_back(n == 'n' ? '\n' : n);
      } else {
        out.push_back(v[i]);
      }
    }
    if (i >= v.size()) return std::unexpected("unterminated quoted value");
    const auto rest = trim(v.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') return std::unexpected("text after closing quote");
    return out;
  }
  // An unquoted value that is only a comment ("A= # note") is empty.
  if (v.front() == '#') return std::string{};
  if (const auto hash = v.find(" #"); hash != std::string_view::npos) v = v.substr(0, hash);
  return std::string(trim(v));
}

}  // namespace

std::expected<EnvMap, std::string> parseDotenv(std::string_view text) {
  EnvMap out;
  size_t lineNo = 0;
  while (!text.empty()) {
    ++lineNo;
    const auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ") || line.starts_with("export\t")) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return std::unexpected("line " + std::to_string(lineNo) + ": expected KEY=VALUE");
    }
    const auto key = trim(line.substr(0, eq));
    if (!validKey(key)) return std::unexpected("line " + std::to_string(lineNo) + ": invalid name");
    auto value = parseValue(trim(line.substr(eq + 1)));
    if (!value) return std::unexpected("line " + std::to_string(lineNo) + ": " + value.error());
    out.insert_or_assign(std::string(key), std::move(*value));
  }
  return out;
}

std::expected<EnvMap, std::string> readDotenvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return EnvMap{};
    return std::unexpected(path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  auto parsed = parseDotenv(ss.str());
  if (!parsed) return std::unexpected(path + ": " + parsed.error());
  return parsed;
}

}  // namespace authd::config
