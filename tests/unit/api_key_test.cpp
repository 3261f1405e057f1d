#include "keys/api_key.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "core/crypto.hpp"

namespace authd::keys {
namespace {

// "sk_" + 56 hex, and its checksum as computed by Python's zlib.crc32
// (independent of our code): '%08x' % zlib.crc32(b"sk_0123...01234567").
constexpr std::string_view kKnownBody = "sk_0123456789abcdef0123456789abcdef0123456789abcdef01234567";
constexpr std::string_view kKnownChecksum = "124a7848";

std::string knownKey() { return std::string(kKnownBody) + std::string(kKnownChecksum); }

// Flips one hex digit to a different lowercase hex digit.
char otherHex(char c) { return c == 'a' ? 'b' : 'a'; }

// A generated key has the documented shape and passes its own check.
TEST(ApiKeyTest, GeneratedKeyIsWellFormed) {
  const NewKey k = generateKey();
  EXPECT_EQ(k.key.size(), kKeyLength);
  EXPECT_TRUE(k.key.starts_with("sk_"));
  EXPECT_TRUE(isWellFormedKey(k.key)) << k.key;
  EXPECT_TRUE(looksLikeApiKey(k.key));
}

// The hash is the SHA-256 hex of the whole key and the prefix its first 11 chars.
TEST(ApiKeyTest, GeneratedHashAndPrefixMatchKey) {
  const NewKey k = generateKey();
  EXPECT_EQ(k.hash, crypto::sha256Hex(k.key));
  EXPECT_EQ(k.hash, hashKey(k.key));
  EXPECT_EQ(k.hash.size(), 64u);
  EXPECT_EQ(k.prefix, k.key.substr(0, 11));
  EXPECT_EQ(k.prefix, displayPrefix(k.key));
}

// Keys come from the CSPRNG: a thousand of them never repeat.
TEST(ApiKeyTest, GeneratedKeysAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(generateKey().key);
  EXPECT_EQ(seen.size(), 1000u);
}

// Our checksum is zlib's CRC32: it matches a value computed outside this code base.
TEST(ApiKeyTest, ChecksumMatchesIndependentZlibCrc32) {
  EXPECT_EQ(crypto::crc32("The quick brown fox jumps over the lazy dog"), 0x414fa339u);
  EXPECT_TRUE(isWellFormedKey(knownKey()));
}

// The checksum is written as 8 zero-padded hex digits even when small.
TEST(ApiKeyTest, ChecksumOfGeneratedKeyIsZeroPaddedHex) {
  for (int i = 0; i < 200; ++i) {
    const std::string key = generateKey().key;
    char expected[9];
    std::snprintf(expected, sizeof expected, "%08x", crypto::crc32(std::string_view(key).substr(0, 59)));
    ASSERT_EQ(key.substr(59), expected);
  }
}

// Anything but "sk_" in front is refused, even with a valid-looking body.
TEST(ApiKeyTest, RejectsWrongPrefix) {
  std::string k = knownKey();
  k[1] = 'x';
  EXPECT_FALSE(isWellFormedKey(k));
  EXPECT_FALSE(isWellFormedKey("SK_" + knownKey().substr(3)));
  EXPECT_FALSE(isWellFormedKey("pk_" + knownKey().substr(3)));
}

// Only lowercase hex is canonical; uppercasing a digit (or the checksum) fails.
TEST(ApiKeyTest, RejectsUppercaseHex) {
  std::string k = knownKey();
  k[13] = 'A';  // was 'a'
  EXPECT_FALSE(isWellFormedKey(k));
  std::string c = knownKey();
  c[62] = 'A';  // checksum "124a7848": index 62 is 'a'
  ASSERT_EQ(knownKey()[62], 'a');
  EXPECT_FALSE(isWellFormedKey(c));
}

// One character too few or too many is refused.
TEST(ApiKeyTest, RejectsWrongLength) {
  EXPECT_FALSE(isWellFormedKey(knownKey().substr(0, 66)));
  EXPECT_FALSE(isWellFormedKey(knownKey() + "0"));
  EXPECT_FALSE(isWellFormedKey(std::string(kKnownBody).substr(0, 58) + std::string(kKnownChecksum)));
}

// A character outside the hex alphabet is refused, in the body or the checksum.
TEST(ApiKeyTest, RejectsNonHexCharacter) {
  std::string k = knownKey();
  k[20] = 'g';
  EXPECT_FALSE(isWellFormedKey(k));
  std::string c = knownKey();
  c[66] = 'z';
  EXPECT_FALSE(isWellFormedKey(c));
  std::string n = knownKey();
  n[30] = '\0';
  EXPECT_FALSE(isWellFormedKey(n));
}

// Changing any single checksum digit breaks the key.
TEST(ApiKeyTest, RejectsFlippedChecksumDigit) {
  for (size_t i = 59; i < kKeyLength; ++i) {
    std::string k = knownKey();
    k[i] = otherHex(k[i]);
    EXPECT_FALSE(isWellFormedKey(k)) << "position " << i;
  }
}

// Changing any single random digit breaks the key (CRC32 catches every 1-symbol error).
TEST(ApiKeyTest, RejectsFlippedRandomDigit) {
  const std::string base = generateKey().key;
  for (size_t i = 3; i < 59; ++i) {
    std::string k = base;
    k[i] = otherHex(k[i]);
    EXPECT_FALSE(isWellFormedKey(k)) << "position " << i;
  }
}

// Degenerate inputs are refused without reading past their end.
TEST(ApiKeyTest, RejectsEmptyAndBarePrefix) {
  EXPECT_FALSE(isWellFormedKey(""));
  EXPECT_FALSE(isWellFormedKey("sk_"));
  EXPECT_FALSE(isWellFormedKey(std::string(kKeyLength, '0')));
}

// The Bearer-header switch only looks at the prefix, not at validity.
TEST(ApiKeyTest, LooksLikeApiKeyOnlyChecksPrefix) {
  EXPECT_TRUE(looksLikeApiKey("sk_"));
  EXPECT_TRUE(looksLikeApiKey("sk_garbage"));
  EXPECT_FALSE(looksLikeApiKey("eyJhbGciOiJIUzI1NiJ9.e30.x"));
  EXPECT_FALSE(looksLikeApiKey("sk"));
  EXPECT_FALSE(looksLikeApiKey(""));
}

// The stored hash of a known key is a plain SHA-256 hex, stable across releases.
TEST(ApiKeyTest, HashKeyIsSha256Hex) {
  EXPECT_EQ(hashKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(displayPrefix(knownKey()), "sk_01234567");
}

}  // namespace
}  // namespace authd::keys
