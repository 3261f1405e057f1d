// KeyFilter: a hash whose 64-bit prefix was never loaded or added is known
// absent; loads keep what was added meanwhile.
#include "verify/key_filter.hpp"

#include <gtest/gtest.h>

#include "core/crypto.hpp"

namespace authd::verify {
namespace {

// The prefix is the first 16 hex digits of the hash, read as a number.
TEST(KeyFilterTest, PrefixIsTheFirst64Bits) {
  EXPECT_EQ(KeyFilter::prefixOf("0123456789abcdef0000"), 0x0123456789abcdefULL);
  EXPECT_EQ(KeyFilter::prefixOf("ffffffffffffffff"), 0xffffffffffffffffULL);
  EXPECT_EQ(KeyFilter::prefixOf("ff"), 0xffULL);  // shorter input: what there is
}

// Before its load the filter is not to be trusted; after it, loaded keys may be present and others are not.
TEST(KeyFilterTest, LoadedKeysMayBePresentOthersAreNot) {
  KeyFilter f;
  EXPECT_FALSE(f.loaded());
  const uint64_t a = KeyFilter::prefixOf(crypto::sha256Hex("a"));
  const uint64_t b = KeyFilter::prefixOf(crypto::sha256Hex("b"));
  f.load({a});
  EXPECT_TRUE(f.loaded());
  EXPECT_TRUE(f.mayContain(a));
  EXPECT_FALSE(f.mayContain(b));
  EXPECT_EQ(f.size(), 1u);
}

// A key added (created here or announced) is present at once, and adding a loaded key twice does not grow it.
TEST(KeyFilterTest, AddedKeysArePresent) {
  KeyFilter f;
  f.load({1, 2, 3});
  f.add(10);
  f.add(2);
  EXPECT_TRUE(f.mayContain(10));
  EXPECT_EQ(f.size(), 4u);
}

// A reload (after a bulk change) keeps keys added since the last load: they are newer than any snapshot.
TEST(KeyFilterTest, ReloadKeepsRecentAdditions) {
  KeyFilter f;
  f.load({1});
  f.add(42);
  f.load({1, 2});
  EXPECT_TRUE(f.mayContain(42));
  EXPECT_TRUE(f.mayContain(2));
  EXPECT_FALSE(f.mayContain(3));
}

}  // namespace
}  // namespace authd::verify
