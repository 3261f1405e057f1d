#include "core/string_hash.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace authd {
namespace {

// The hash agrees across std::string, string_view and literals, so one key hashes alike however it is given.
TEST(StringHashTest, HashesEveryStringTypeAlike) {
  const std::string owned = "key_abc";
  EXPECT_EQ(StringHash{}(owned), StringHash{}(std::string_view(owned)));
  EXPECT_EQ(StringHash{}(owned), StringHash{}("key_abc"));
}

// A StringMap is found and counted by string_view without building a std::string.
TEST(StringHashTest, StringMapLooksUpByStringView) {
  StringMap<int> map;
  map.emplace("alpha", 1);
  map.emplace("beta", 2);
  const std::string_view alpha = "alpha-and-more";
  auto it = map.find(alpha.substr(0, 5));
  ASSERT_NE(it, map.end());
  EXPECT_EQ(it->second, 1);
  EXPECT_TRUE(map.contains(std::string_view("beta")));
  EXPECT_FALSE(map.contains(std::string_view("gamma")));
  EXPECT_EQ(map.count(std::string_view("beta")), 1u);
}

}  // namespace
}  // namespace authd
