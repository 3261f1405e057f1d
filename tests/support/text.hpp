// Small string helpers every kind of test uses.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace authd::testing {

// `s` with ASCII letters lower-cased (header names, emails compared in any case).
inline std::string lowerCase(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace authd::testing
