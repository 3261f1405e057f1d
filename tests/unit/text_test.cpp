// core/text: the small checks every request validator shares, on their own.
#include "core/text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace authd::text {
namespace {

using nlohmann::json;
using namespace std::string_view_literals;

// trim removes ASCII whitespace (space, \t \n \r \f \v) at both ends only, and nothing else.
TEST(TextTest, TrimRemovesAsciiWhitespaceAtTheEnds) {
  EXPECT_EQ(trim("  ann  "), "ann");
  EXPECT_EQ(trim("\t\n\r\f\vann lee\v\f\r\n\t"), "ann lee");
  EXPECT_EQ(trim("ann"), "ann");
  EXPECT_EQ(trim("a  b"), "a  b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\n "), "");
  EXPECT_EQ(trim(" x"), "x");
  EXPECT_EQ(trim("x "), "x");
  // Not whitespace here: NUL and non-ASCII spaces (U+00A0) stay.
  EXPECT_EQ(trim("\0a\0"sv), "\0a\0"sv);
  EXPECT_EQ(trim("\u00A0a\u00A0"), "\u00A0a\u00A0");
}

// codePoints counts characters of UTF-8 text, not bytes.
// %XX escapes decode (either case of hex digit); a stray or short `%` stays; `+` is a literal plus.
TEST(TextTest, PercentDecodeDecodesEscapesOnly) {
  EXPECT_EQ(percentDecode("2026-12-01T00%3A00%3A00Z"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(percentDecode("a%2bb%2Bc"), "a+b+c");
  EXPECT_EQ(percentDecode("+01:00"), "+01:00");
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode("%4"), "%4");
  EXPECT_EQ(percentDecode("%zz%41"), "%zzA");
  EXPECT_EQ(percentDecode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percentDecode(""), "");
}

TEST(TextTest, CodePointsCountsCharacters) {
  EXPECT_EQ(codePoints(""), 0u);
  EXPECT_EQ(codePoints("ann"), 3u);
  EXPECT_EQ(codePoints("\u00E9"), 1u);      // 2 bytes
  EXPECT_EQ(codePoints("\u20AC"), 1u);      // 3 bytes
  EXPECT_EQ(codePoints("\U0001F600"), 1u);  // 4 bytes
  EXPECT_EQ(codePoints("caf\u00E9 \u20AC5"), 7u);
  EXPECT_EQ(codePoints(std::string(100, 'x')), 100u);
}

// hasControlChar finds C0 controls (NUL included) and DEL anywhere, and nothing else (not even C1 in UTF-8).
TEST(TextTest, HasControlCharFindsC0AndDel) {
  EXPECT_FALSE(hasControlChar(""));
  EXPECT_FALSE(hasControlChar("plain text ~ !"));
  EXPECT_FALSE(hasControlChar("caf\u00E9 \u0085"));  // U+0085 is UTF-8 C2 85: no byte below 0x20
  for (int c = 0; c < 0x20; ++c) {
    const std::string s = std::string("a") + static_cast<char>(c) + "b";
    EXPECT_TRUE(hasControlChar(s)) << c;
  }
  EXPECT_TRUE(hasControlChar("\x7F"));
  EXPECT_TRUE(hasControlChar("end\n"));
  EXPECT_TRUE(hasControlChar("\0"sv));
}

// integerIn accepts JSON integers, signed or unsigned, inside the inclusive bounds.
TEST(TextTest, IntegerInAcceptsIntegersInRange) {
  EXPECT_EQ(integerIn(json::parse("1"), 1, 10), 1);
  EXPECT_EQ(integerIn(json::parse("10"), 1, 10), 10);
  EXPECT_EQ(integerIn(json::parse("-5"), -10, 10), -5);
  EXPECT_EQ(integerIn(json::parse("0"), 0, 0), 0);
  EXPECT_EQ(integerIn(json(std::numeric_limits<int64_t>::max()), 0, std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(integerIn(json(std::numeric_limits<int64_t>::min()), std::numeric_limits<int64_t>::min(), 0),
            std::numeric_limits<int64_t>::min());
}

// integerIn refuses integers outside the bounds, including unsigned values past int64's range.
TEST(TextTest, IntegerInRefusesOutOfRange) {
  EXPECT_EQ(integerIn(json::parse("0"), 1, 10), std::nullopt);
  EXPECT_EQ(integerIn(json::parse("11"), 1, 10), std::nullopt);
  EXPECT_EQ(integerIn(json::parse("-11"), -10, 10), std::nullopt);
  EXPECT_EQ(integerIn(json::parse("18446744073709551615"), 0, std::numeric_limits<int64_t>::max()), std::nullopt);
  EXPECT_EQ(integerIn(json::parse("9223372036854775808"), std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max()),
            std::nullopt);
  // A range entirely below zero holds no unsigned value (JSON's non-negative integers parse as unsigned).
  EXPECT_EQ(integerIn(json::parse("5"), -10, -1), std::nullopt);
  EXPECT_EQ(integerIn(json::parse("0"), -10, -1), std::nullopt);
  EXPECT_EQ(integerIn(json::parse("-3"), -10, -1), -3);
}

// integerIn refuses every non-integer: floats (even integral ones), booleans, strings, null, arrays, objects.
TEST(TextTest, IntegerInRefusesNonIntegers) {
  for (const char* text : {"1.0", "1.5", "1e2", "true", "false", "\"5\"", "null", "[5]", "{\"v\":5}"}) {
    EXPECT_EQ(integerIn(json::parse(text), -100, 100), std::nullopt) << text;
  }
}

// checkUnknownFields names every member not allowed, prefixed by the path, in key order (nlohmann::json sorts),
// after what was already found.
TEST(TextTest, CheckUnknownFieldsNamesEachExtraMember) {
  constexpr std::array<std::string_view, 2> allowed{"limit", "windowSeconds"};
  std::vector<std::string> errors{"earlier problem"};
  checkUnknownFields(json::parse(R"({"limit":1,"burst":2,"windowSeconds":3,"x":null})"), "rateLimit.", allowed, errors);
  EXPECT_EQ(errors, (std::vector<std::string>{"earlier problem", "property rateLimit.burst should not exist",
                                              "property rateLimit.x should not exist"}));
}

// checkUnknownFields adds nothing for an object of allowed members only, or an empty one; a top-level path is "".
TEST(TextTest, CheckUnknownFieldsAcceptsAllowedMembers) {
  constexpr std::array<std::string_view, 1> allowed{"name"};
  std::vector<std::string> errors;
  checkUnknownFields(json::parse(R"({"name":"ci"})"), "", allowed, errors);
  checkUnknownFields(json::object(), "", allowed, errors);
  EXPECT_TRUE(errors.empty());
  checkUnknownFields(json::parse(R"({"Name":"ci"})"), "", allowed, errors);  // names are case-sensitive
  EXPECT_EQ(errors, std::vector<std::string>{"property Name should not exist"});
}

}  // namespace
}  // namespace authd::text
