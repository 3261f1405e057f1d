#include "keys/api_key.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "core/crypto.hpp"

namespace authd::keys {
namespace {

// 56 hex, and the checksums of "sk_" and "acme_" + them as computed by Python's zlib.crc32
// (independent of our code): '%08x' % zlib.crc32(b"sk_0123...01234567").
constexpr std::string_view kKnownRandom = "0123456789abcdef0123456789abcdef0123456789abcdef01234567";
constexpr std::string_view kKnownChecksum = "124a7848";      // under "sk_"
constexpr std::string_view kKnownAcmeChecksum = "97b4c259";  // under "acme_"

std::string knownKey() { return "sk_" + std::string(kKnownRandom) + std::string(kKnownChecksum); }

// The prefixes the tests generate under: the default, a typical one, the shortest and the longest shapes.
const std::vector<std::string> kPrefixes = {"sk_", "acme_", "a1_", "abcdefghijklmnop_"};

// A key of `prefix` + `random` whose checksum is right, whatever the prefix's shape.
std::string withChecksum(std::string_view prefix, std::string_view random) {
  std::string k = std::string(prefix) + std::string(random);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crypto::crc32(k));
  return k + hex;
}

// Flips one hex digit to a different lowercase hex digit.
char otherHex(char c) { return c == 'a' ? 'b' : 'a'; }

// A generated key has the documented shape and passes its own check, under every prefix.
TEST(ApiKeyTest, GeneratedKeyIsWellFormed) {
  for (const std::string& p : kPrefixes) {
    const NewKey k = generateKey(p);
    EXPECT_EQ(k.key.size(), p.size() + 64) << p;
    EXPECT_TRUE(k.key.starts_with(p)) << k.key;
    EXPECT_TRUE(isWellFormedKey(k.key)) << k.key;
    EXPECT_TRUE(looksLikeApiKey(k.key)) << k.key;
  }
}

// The hash is the SHA-256 hex of the whole key and the display prefix the key's prefix + its first 8 hex.
TEST(ApiKeyTest, GeneratedHashAndPrefixMatchKey) {
  for (const std::string& p : kPrefixes) {
    const NewKey k = generateKey(p);
    EXPECT_EQ(k.hash, crypto::sha256Hex(k.key));
    EXPECT_EQ(k.hash, hashKey(k.key));
    EXPECT_EQ(k.hash.size(), 64u);
    EXPECT_EQ(k.prefix, k.key.substr(0, p.size() + 8));
    EXPECT_EQ(k.prefix, displayPrefix(k.key));
  }
}

// Keys come from the CSPRNG: a thousand of them never repeat.
TEST(ApiKeyTest, GeneratedKeysAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(generateKey(kDefaultKeyPrefix).key);
  EXPECT_EQ(seen.size(), 1000u);
}

// Our checksum is zlib's CRC32 over prefix + random: it matches values computed outside this code base.
TEST(ApiKeyTest, ChecksumMatchesIndependentZlibCrc32) {
  EXPECT_EQ(crypto::crc32("The quick brown fox jumps over the lazy dog"), 0x414fa339u);
  EXPECT_TRUE(isWellFormedKey(knownKey()));
  EXPECT_TRUE(isWellFormedKey("acme_" + std::string(kKnownRandom) + std::string(kKnownAcmeChecksum)));
}

// The checksum is written as 8 zero-padded hex digits even when small, and covers the prefix.
TEST(ApiKeyTest, ChecksumOfGeneratedKeyIsZeroPaddedHex) {
  for (const std::string& p : kPrefixes) {
    for (int i = 0; i < 50; ++i) {
      const std::string key = generateKey(p).key;
      const size_t bodyEnd = p.size() + 56;
      char expected[9];
      std::snprintf(expected, sizeof expected, "%08x", crypto::crc32(std::string_view(key).substr(0, bodyEnd)));
      ASSERT_EQ(key.substr(bodyEnd), expected) << key;
    }
  }
}

// The checksum covers the prefix: the same random part and checksum under another prefix (same length or not)
// is refused, while that prefix with its own checksum is fine.
TEST(ApiKeyTest, ChecksumCoversThePrefix) {
  const std::string acme = "acme_" + std::string(kKnownRandom) + std::string(kKnownAcmeChecksum);
  const std::string tail = acme.substr(5);
  for (const char* other : {"acmf_", "bcme_", "sk_", "acme1_", "zz_"}) {
    EXPECT_FALSE(isWellFormedKey(other + tail)) << other;
    EXPECT_TRUE(isWellFormedKey(withChecksum(other, kKnownRandom))) << other;
  }
  EXPECT_FALSE(isWellFormedKey("acme_" + knownKey().substr(3)));
}

// No prefix is configured into the check: keys issued under an earlier prefix keep being well-formed.
TEST(ApiKeyTest, KeysOfEveryPrefixStayWellFormed) {
  std::vector<std::string> issued;
  for (const std::string& p : kPrefixes) issued.push_back(generateKey(p).key);
  for (const std::string& k : issued) EXPECT_TRUE(isWellFormedKey(k)) << k;
}

// The prefix shape is [a-z][a-z0-9]{1,15}_ and nothing else.
TEST(ApiKeyTest, ValidKeyPrefixShape) {
  for (const char* p : {"sk_", "acme_", "a1_", "ab_", "x9y8_", "abcdefghijklmnop_", "a000000000000000_"}) {
    EXPECT_TRUE(isValidKeyPrefix(p)) << p;
  }
  for (const char* p : {"", "_", "a_", "sk", "SK_", "Sk_", "sK_", "1k_", "_sk_", "s_k_", "s-k_", "sk__", "sk_ ", " sk_",
                        "abcdefghijklmnopq_", "acme-", "é_"}) {
    EXPECT_FALSE(isValidKeyPrefix(p)) << "'" << p << "'";
  }
}

// A key whose prefix has the wrong shape is refused even with a checksum computed over it.
TEST(ApiKeyTest, RejectsWrongPrefixShape) {
  for (const char* p : {"SK_", "Sk_", "a_", "1k_", "s_k_", "s-k_", "skx", "acme", "abcdefghijklmnopq_", "", "_"}) {
    EXPECT_FALSE(isWellFormedKey(withChecksum(p, kKnownRandom))) << "'" << p << "'";
  }
  std::string k = knownKey();
  k[2] = 'x';  // the underscore gone
  EXPECT_FALSE(isWellFormedKey(k));
  EXPECT_FALSE(isWellFormedKey("SK_" + knownKey().substr(3)));
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
  std::string u = withChecksum("acme_", "0123456789ABCDEF0123456789abcdef0123456789abcdef01234567");
  EXPECT_FALSE(isWellFormedKey(u));
}

// One character too few or too many is refused: the length fixes where the prefix ends.
TEST(ApiKeyTest, RejectsWrongLength) {
  EXPECT_FALSE(isWellFormedKey(knownKey().substr(0, 66)));
  EXPECT_FALSE(isWellFormedKey(knownKey() + "0"));
  EXPECT_FALSE(isWellFormedKey("sk_" + std::string(kKnownRandom).substr(0, 55) + std::string(kKnownChecksum)));
  // 55 or 57 random hex with a right checksum: the prefix boundary moves and the shape fails.
  EXPECT_FALSE(isWellFormedKey(withChecksum("acme_", std::string(kKnownRandom).substr(0, 55))));
  EXPECT_FALSE(isWellFormedKey(withChecksum("acme_", std::string(kKnownRandom) + "0")));
  // The longest prefix plus 64 is the longest key.
  const std::string longest = generateKey("abcdefghijklmnop_").key;
  EXPECT_FALSE(isWellFormedKey("a" + longest));
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
  for (size_t i = 59; i < knownKey().size(); ++i) {
    std::string k = knownKey();
    k[i] = otherHex(k[i]);
    EXPECT_FALSE(isWellFormedKey(k)) << "position " << i;
  }
}

// Changing any single character of the prefix or the random part breaks the key (CRC32 catches every 1-symbol
// error).
TEST(ApiKeyTest, RejectsFlippedPrefixOrRandomCharacter) {
  for (const std::string& p : kPrefixes) {
    const std::string base = generateKey(p).key;
    for (size_t i = 0; i < p.size() + 56; ++i) {
      std::string k = base;
      k[i] = i + 1 == p.size() ? 'a' : otherHex(k[i]);
      EXPECT_FALSE(isWellFormedKey(k)) << base << " position " << i;
    }
  }
}

// Degenerate inputs are refused without reading past their end.
TEST(ApiKeyTest, RejectsEmptyAndBarePrefix) {
  EXPECT_FALSE(isWellFormedKey(""));
  EXPECT_FALSE(isWellFormedKey("sk_"));
  EXPECT_FALSE(isWellFormedKey(std::string(67, '0')));
  EXPECT_FALSE(isWellFormedKey(std::string(81, '_')));
}

// The Bearer-header switch only looks at the prefix shape, not at validity; a JWT never passes.
TEST(ApiKeyTest, LooksLikeApiKeyOnlyChecksPrefixShape) {
  for (const char* s :
       {"sk_", "sk_garbage", "acme_", "acme_not-a-key", "a1_x", "abcdefghijklmnop_x", "sk_live_0123456789abcdef"}) {
    EXPECT_TRUE(looksLikeApiKey(s)) << s;
  }
  // An HS256 JWT (jwt.io's example: its signature holds a '_', far from the start).
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  ASSERT_NE(jwt.find('_'), std::string::npos);
  EXPECT_FALSE(looksLikeApiKey(jwt));
  for (const char* s : {"eyJhbGciOiJIUzI1NiJ9.e30.x", "eyJ_", "sk", "", "_", "a_", "SK_x", "1k_x", "s-k_x", "acme",
                        "abcdefghijklmnopq_x", "x.y_z"}) {
    EXPECT_FALSE(looksLikeApiKey(s)) << "'" << s << "'";
  }
}

// The stored hash of a known key is a plain SHA-256 hex, stable across releases; the display prefix of anything
// that is not a key is empty (never a piece of a secret pasted in the wrong place).
TEST(ApiKeyTest, HashKeyIsSha256Hex) {
  EXPECT_EQ(hashKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(displayPrefix(knownKey()), "sk_01234567");
  EXPECT_EQ(displayPrefix("acme_" + std::string(kKnownRandom) + std::string(kKnownAcmeChecksum)), "acme_01234567");
  EXPECT_EQ(displayPrefix("sk_0123"), "");
  EXPECT_EQ(displayPrefix(""), "");
}

}  // namespace
}  // namespace authd::keys
