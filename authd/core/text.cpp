#include "core/text.hpp"

#include <algorithm>

namespace authd::text {

namespace {
constexpr std::string_view kWhitespace = " \t\n\r\f\v";
}  // namespace

std::string percentDecode(std::string_view s) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

// Counting non-continuation bytes counts code points: "100 characters" should
// not penalise non-ASCII text.
size_t codePoints(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// PostgreSQL text cannot hold NUL, and control characters make listings and
// logs misleading.
bool hasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

std::optional<int64_t> integerIn(const nlohmann::json& v, int64_t lo, int64_t hi) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    // A negative hi cast to uint64_t would be huge: no unsigned value is in a range below zero.
    if (hi < 0 || u > static_cast<uint64_t>(hi)) return std::nullopt;
    const auto i = static_cast<int64_t>(u);
    if (i < lo) return std::nullopt;
    return i;
  }
  if (v.is_number_integer()) {
    const auto i = v.get<int64_t>();
    if (i < lo || i > hi) return std::nullopt;
    return i;
  }
  return std::nullopt;
}

void checkUnknownFields(const nlohmann::json& obj, std::string_view path, std::span<const std::string_view> allowed,
                        std::vector<std::string>& errors) {
  for (const auto& [field, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), field) == allowed.end()) {
      errors.push_back("property " + std::string(path) + field + " should not exist");
    }
  }
}

}  // namespace authd::text
