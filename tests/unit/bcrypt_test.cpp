#include "accounts/bcrypt.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace authd::accounts {
namespace {

// Made by the npm package bcryptjs 3.0 (scripts/bcrypt-hash.mjs), an implementation independent of libxcrypt.
constexpr std::string_view kHorse =
    "$2b$04$Hv4AEVGHJhQu/ZCmdwQQreeXZVdvsUfjS5NwIY53Jl8BlSlhPRaAW";  // correct horse battery
constexpr std::string_view kUtf8 = "$2b$04$oDIjLnvS/XYWpMBvtXGVZu6ez8DlPPMTPLzHkrtKxK2NEw/iJwaMG";  // pässwörd-密码
// The original service's cost (node bcrypt, 10 rounds).
constexpr std::string_view kTenRounds = "$2b$10$FaWexcXFf1TIU//7SGhLtuRRnBQNcVOvHG4gYJkHx5b1O4VLqw4vu";  // Password123!

// A bcrypt hash of a known password, made elsewhere, verifies; at the original service's cost too.
TEST(BcryptTest, HashOfKnownPasswordVerifies) {
  EXPECT_TRUE(verifyBcrypt(kHorse, "correct horse battery"));
  EXPECT_TRUE(verifyBcrypt(kUtf8, "pässwörd-密码"));
  EXPECT_TRUE(verifyBcrypt(kTenRounds, "Password123!"));
}

// jBCrypt's published $2a$ vectors verify as well (hashes from older node bcrypt versions start so).
TEST(BcryptTest, PublishedTwoAVectorsVerify) {
  EXPECT_TRUE(verifyBcrypt("$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.", ""));
  EXPECT_TRUE(verifyBcrypt("$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc"));
}

// A wrong, truncated, extended or differently cased password does not verify.
TEST(BcryptTest, WrongPasswordFails) {
  for (std::string_view wrong :
       {"correct horse batter", "correct horse battery!", "Correct horse battery", "", "correct horse battery\n"}) {
    EXPECT_FALSE(verifyBcrypt(kHorse, wrong)) << wrong;
  }
  EXPECT_FALSE(verifyBcrypt(kUtf8, "passwörd-密码"));
  EXPECT_FALSE(verifyBcrypt(kTenRounds, "Password123"));
}

// A password with a NUL never matches, even when its part before the NUL is right (a C string would end there).
TEST(BcryptTest, PasswordWithNulFails) {
  EXPECT_FALSE(verifyBcrypt(kHorse, std::string("correct horse battery") + '\0'));
  EXPECT_FALSE(verifyBcrypt(kHorse, std::string("correct horse battery\0junk", 26)));
}

// Malformed "$2b$" strings (short, long, a cost out of range, a character outside bcrypt's alphabet, another
// variant, an embedded NUL) fail closed, and the shape check refuses them.
TEST(BcryptTest, MalformedHashFailsClosed) {
  const std::string good(kHorse);
  std::string badChar = good;
  badChar[20] = '*';
  std::string withNul = good;
  withNul[30] = '\0';
  for (const std::string& bad :
       {std::string(), std::string("$2b$"), std::string("$2b$04$"), good.substr(0, 59), good + "a",
        "$2b$03$" + good.substr(7), "$2b$32$" + good.substr(7), "$2b$13$" + good.substr(7), "$2b$4$a" + good.substr(7),
        "$2x$04$" + good.substr(7), "$2$04$a" + good.substr(7), "$3b$04$" + good.substr(7), "x2b$04$" + good.substr(7),
        badChar, withNul, std::string("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA")}) {
    EXPECT_FALSE(isBcryptHash(bad)) << bad;
    EXPECT_FALSE(verifyBcrypt(bad, "correct horse battery")) << bad;
  }
}

// A well-shaped bcrypt string of another password is a bcrypt hash, and false for this one.
TEST(BcryptTest, WellShapedHashOfAnotherPasswordIsFalse) {
  const std::string other = "$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
  EXPECT_TRUE(isBcryptHash(other));
  EXPECT_FALSE(verifyBcrypt(other, "correct horse battery"));
}

// The three variants the original service's libraries write are recognised.
TEST(BcryptTest, RecognisesTwoATwoBTwoY) {
  const std::string tail(kHorse.substr(3));
  EXPECT_TRUE(isBcryptHash("$2a" + tail));
  EXPECT_TRUE(isBcryptHash("$2b" + tail));
  EXPECT_TRUE(isBcryptHash("$2y" + tail));
}

}  // namespace
}  // namespace authd::accounts
