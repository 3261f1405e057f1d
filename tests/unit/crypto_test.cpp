#include "core/crypto.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace authd::crypto {
namespace {

std::string hexOf(const std::array<uint8_t, 32>& d) {
  return toHex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

// Bytes 0..n-1 with a mix of high and low values, so every base64 symbol position is exercised.
std::string sampleBytes(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 37 + 0xf0) & 0xff));
  return s;
}

// SHA-256 matches the FIPS 180-2 vectors for "abc" and the empty string.
TEST(CryptoTest, Sha256KnownVectors) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hexOf(sha256("abc")), sha256Hex("abc"));
}

// HMAC-SHA256 matches RFC 4231 test case 2 (key "Jefe").
TEST(CryptoTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hexOf(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// HMAC-SHA256 matches RFC 4231 test case 1 (20-byte binary key).
TEST(CryptoTest, HmacSha256Rfc4231Case1) {
  EXPECT_EQ(hexOf(hmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// An empty key and empty data compute the real HMAC, not zeros.
TEST(CryptoTest, HmacSha256EmptyKey) {
  const std::string expected = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  EXPECT_EQ(hexOf(hmacSha256("", "")), expected);
  EXPECT_EQ(hexOf(hmacSha256(std::string_view{}, "")), expected);
  EXPECT_EQ(hexOf(hmacSha256("", std::string_view{})), expected);
}

// Default-constructed (null) key and data still give the real HMAC, never a zero MAC.
TEST(CryptoTest, HmacSha256NullKeyAndData) {
  EXPECT_EQ(hexOf(hmacSha256(std::string_view{}, std::string_view{})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// Different keys give different MACs for the same data.
TEST(CryptoTest, HmacDependsOnKey) { EXPECT_NE(hmacSha256("key-a", "data"), hmacSha256("key-b", "data")); }

// toHex is lowercase, two digits per byte.
TEST(CryptoTest, ToHex) {
  EXPECT_EQ(toHex(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  EXPECT_EQ(toHex(""), "");
}

// RFC 4648 vectors, in the URL alphabet, without padding.
TEST(CryptoTest, Base64UrlKnownVectors) {
  EXPECT_EQ(base64UrlEncode(""), "");
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64UrlDecode("Zm9vYg"), "foob");
  EXPECT_EQ(base64UrlDecode("-_-_"), "\xfb\xff\xbf");
}

// Encode then decode gives the bytes back for every length 0..40.
TEST(CryptoTest, Base64UrlRoundTrips) {
  for (size_t n = 0; n <= 40; ++n) {
    const std::string bytes = sampleBytes(n);
    const std::string text = base64UrlEncode(bytes);
    EXPECT_EQ(text.size(), (n * 4 + 2) / 3) << n;
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;
    const auto back = base64UrlDecode(text);
    ASSERT_TRUE(back.has_value()) << n << " " << text;
    EXPECT_EQ(*back, bytes) << n;
  }
}

// Standard-alphabet characters, padding, whitespace and other bytes are refused.
TEST(CryptoTest, Base64UrlDecodeRejectsForeignCharacters) {
  for (const char* bad : {"ab+c", "ab/c", "Zg==", "Zm8=", "Zm9v==", "Zm 9", "Zm9\n", "Zm.v", "\xc3\xa9Zm"}) {
    EXPECT_FALSE(base64UrlDecode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(base64UrlDecode(std::string("Zm\0v", 4)).has_value());
}

// A length of 1 mod 4 can never be produced by an encoder and is refused.
TEST(CryptoTest, Base64UrlDecodeRejectsImpossibleLength) {
  for (const char* bad : {"A", "AAAAA", "Zm9vY"}) {
    EXPECT_FALSE(base64UrlDecode(bad).has_value()) << bad;
  }
}

// Non-zero unused trailing bits (a second spelling of the same bytes) are refused.
TEST(CryptoTest, Base64UrlDecodeRejectsNonCanonicalTrailingBits) {
  EXPECT_EQ(base64UrlDecode("Zg"), "f");
  for (const char* bad : {"Zh", "Zv", "Z_", "Zm9", "Zm-", "Zm9vYh"}) {
    EXPECT_FALSE(base64UrlDecode(bad).has_value()) << bad;
  }
  EXPECT_EQ(base64UrlDecode("Zm8"), "fo");
  EXPECT_FALSE(base64UrlDecode("Zm9").has_value());
}

// constantTimeEqual is plain equality, including lengths and embedded NULs.
TEST(CryptoTest, ConstantTimeEqual) {
  EXPECT_TRUE(constantTimeEqual("", ""));
  EXPECT_TRUE(constantTimeEqual("secret", "secret"));
  EXPECT_FALSE(constantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(constantTimeEqual("Secret", "secret"));
  EXPECT_FALSE(constantTimeEqual("secret", "secret2"));
  EXPECT_FALSE(constantTimeEqual("secret", ""));
  EXPECT_FALSE(constantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(constantTimeEqual(std::string("a\0", 2), "a"));
}

// CRC32 matches the standard check value and is 0 for empty input.
TEST(CryptoTest, Crc32KnownValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

// uuidV4 is canonical lowercase 8-4-4-4-12 with version 4 and the RFC 4122 variant.
TEST(CryptoTest, UuidV4FormatVersionVariant) {
  for (int i = 0; i < 200; ++i) {
    const std::string u = uuidV4();
    ASSERT_EQ(u.size(), 36u) << u;
    EXPECT_EQ(u[8], '-');
    EXPECT_EQ(u[13], '-');
    EXPECT_EQ(u[18], '-');
    EXPECT_EQ(u[23], '-');
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string_view("89ab").find(u[19]), std::string_view::npos) << u;
    EXPECT_EQ(u.find_first_not_of("0123456789abcdef-"), std::string::npos) << u;
    EXPECT_TRUE(isUuid(u)) << u;
  }
}

// Successive UUIDs differ.
TEST(CryptoTest, UuidV4Distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(uuidV4());
  EXPECT_EQ(seen.size(), 1000u);
}

// isUuid accepts canonical UUIDs (either case) and refuses everything else.
TEST(CryptoTest, IsUuid) {
  EXPECT_TRUE(isUuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_TRUE(isUuid("123E4567-E89B-42D3-A456-426614174000"));
  EXPECT_TRUE(isUuid("00000000-0000-0000-0000-000000000000"));
  for (const char* bad : {"", "123e4567e89b42d3a456426614174000", "123e4567-e89b-42d3-a456-42661417400",
                          "123e4567-e89b-42d3-a456-4266141740000", "{123e4567-e89b-42d3-a456-426614174000}",
                          "123e4567-e89b-42d3-a456_426614174000", "123e4567-e89b-42d3-a4564-26614174000",
                          "g23e4567-e89b-42d3-a456-426614174000", "123e4567-e89b-42d3-a456-42661417400 ",
                          "------------------------------------", "123e4567-e89b-42d3-a456-4266141740\xc3\xa9"}) {
    EXPECT_FALSE(isUuid(bad)) << bad;
  }
}

// randomBytes returns exactly n bytes, and two draws differ.
TEST(CryptoTest, RandomBytesLengthAndDistinct) {
  EXPECT_EQ(randomBytes(0).size(), 0u);
  for (size_t n : {1u, 16u, 32u, 1000u}) EXPECT_EQ(randomBytes(n).size(), n);
  const std::string a = randomBytes(32);
  const std::string b = randomBytes(32);
  EXPECT_NE(a, b);
  EXPECT_NE(a, std::string(32, '\0'));
}

}  // namespace
}  // namespace authd::crypto
