#include "accounts/password_hasher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace authd::accounts {
namespace {

// Small parameters keep these tests fast; one test checks the real defaults.
constexpr Argon2Params kFast{.memoryKiB = 1024, .iterations = 1, .parallelism = 1};

class PasswordHasherTest : public ::testing::Test {
 protected:
  std::unique_ptr<PasswordHasher> hasher_ = PasswordHasher::createArgon2id(kFast);
};

// The default parameters are OWASP's argon2id minimum and appear in the PHC string.
TEST(PasswordHasherDefaultsTest, DefaultParamsProduceArgon2idPhcWithOwaspCost) {
  const auto hasher = PasswordHasher::createArgon2id(Argon2Params{});
  const auto phc = hasher->hash("correct horse battery staple");
  ASSERT_TRUE(phc.has_value()) << phc.error().message;
  EXPECT_TRUE(phc->starts_with("$argon2id$v=19$")) << *phc;
  EXPECT_NE(phc->find("m=19456,t=2,p=1$"), std::string::npos) << *phc;
  EXPECT_TRUE(hasher->verify(*phc, "correct horse battery staple"));
}

// The PHC string carries the configured parameters and has no trailing NULs.
TEST_F(PasswordHasherTest, PhcStringCarriesParams) {
  const auto phc = hasher_->hash("password123");
  ASSERT_TRUE(phc.has_value()) << phc.error().message;
  EXPECT_TRUE(phc->starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << *phc;
  EXPECT_EQ(phc->find('\0'), std::string::npos);
}

// Fresh salt per hash: the same password never hashes to the same string.
TEST_F(PasswordHasherTest, SamePasswordHashesDiffer) {
  const auto a = hasher_->hash("password123");
  const auto b = hasher_->hash("password123");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(hasher_->verify(*a, "password123"));
  EXPECT_TRUE(hasher_->verify(*b, "password123"));
}

// The right password verifies; a wrong, truncated, extended or empty one doesn't.
TEST_F(PasswordHasherTest, VerifyAcceptsOnlyTheRightPassword) {
  const auto phc = hasher_->hash("password123");
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(hasher_->verify(*phc, "password123"));
  EXPECT_FALSE(hasher_->verify(*phc, "password124"));
  EXPECT_FALSE(hasher_->verify(*phc, "password12"));
  EXPECT_FALSE(hasher_->verify(*phc, "password1234"));
  EXPECT_FALSE(hasher_->verify(*phc, ""));
}

// Non-ASCII passwords round-trip byte for byte.
TEST_F(PasswordHasherTest, Utf8PasswordRoundTrips) {
  const auto phc = hasher_->hash("pässwörd-密码");
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(hasher_->verify(*phc, "pässwörd-密码"));
  EXPECT_FALSE(hasher_->verify(*phc, "passwortd-密码"));
}

// A hash made with other parameters still verifies: the PHC string, not the config, decides.
TEST_F(PasswordHasherTest, VerifiesHashMadeWithOtherParams) {
  const auto other = PasswordHasher::createArgon2id({.memoryKiB = 2048, .iterations = 2, .parallelism = 1});
  const auto phc = other->hash("password123");
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(hasher_->verify(*phc, "password123"));
}

// Malformed, truncated, non-argon2id or NUL-containing PHC strings give false, never a crash.
TEST_F(PasswordHasherTest, MalformedPhcIsFalse) {
  const auto phc = hasher_->hash("password123");
  ASSERT_TRUE(phc.has_value());
  for (const std::string& bad :
       {std::string(), std::string("$argon2id$"), std::string("not a hash"), phc->substr(0, phc->size() - 5),
        std::string("$argon2i") + phc->substr(9), std::string("$argon2d") + phc->substr(9),
        std::string("$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"), std::string("$2b$04$short"),
        *phc + std::string(1, '\0') + "junk", std::string("$argon2id$v=19$m=1024,t=1,p=1$$"),
        std::string("$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA")}) {
    EXPECT_FALSE(hasher_->verify(bad, "password123")) << bad;
  }
}

// An imported bcrypt hash (made by bcryptjs) verifies through the hasher, and only with its password; argon2id
// hashes still verify beside it. needsRehash() is true for the bcrypt hash only.
TEST_F(PasswordHasherTest, ImportedBcryptVerifiesAndNeedsRehash) {
  const std::string bcrypt = "$2b$04$Hv4AEVGHJhQu/ZCmdwQQreeXZVdvsUfjS5NwIY53Jl8BlSlhPRaAW";  // correct horse battery
  EXPECT_TRUE(hasher_->verify(bcrypt, "correct horse battery"));
  EXPECT_FALSE(hasher_->verify(bcrypt, "correct horse batter"));
  EXPECT_TRUE(hasher_->needsRehash(bcrypt));
  const auto phc = hasher_->hash("correct horse battery");
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(hasher_->verify(*phc, "correct horse battery"));
  EXPECT_FALSE(hasher_->needsRehash(*phc));
}

// Passwords over 1024 bytes are refused by hash() as a validation error.
TEST_F(PasswordHasherTest, OverlongPasswordRejected) {
  const auto r = hasher_->hash(std::string(1025, 'a'));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  EXPECT_TRUE(hasher_->hash(std::string(1024, 'a')).has_value());
}

// CPU time this thread spends in `f`: a measure of work, unlike the wall clock, whatever else the machine runs.
template <typename F>
std::chrono::nanoseconds threadCpu(F&& f) {
  timespec a{}, b{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  f();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  return std::chrono::seconds(b.tv_sec - a.tv_sec) + std::chrono::nanoseconds(b.tv_nsec - a.tv_nsec);
}

// An unknown email costs what a wrong password costs: verifyDummy does the work of a real verify (one argon2id
// pass with the configured parameters), for the cheap and the default parameters alike. A dummy that skipped
// the hash, or used the cheap parameters under the default ones, would cost a small fraction of it. Runs are
// interleaved and the fastest of each kind compared, so a busy machine slows both alike.
TEST(PasswordHasherDummyTest, DummyCostsWhatARealVerifyCosts) {
  for (const Argon2Params params :
       {Argon2Params{.memoryKiB = 8192, .iterations = 2, .parallelism = 1}, Argon2Params{}}) {
    const auto hasher = PasswordHasher::createArgon2id(params);
    const auto phc = hasher->hash("the real password");
    ASSERT_TRUE(phc.has_value());
    auto real = std::chrono::nanoseconds::max();
    auto dummy = std::chrono::nanoseconds::max();
    for (int i = 0; i < 7; ++i) {
      real = std::min(real, threadCpu([&] { EXPECT_FALSE(hasher->verify(*phc, "a wrong password")); }));
      dummy = std::min(dummy, threadCpu([&] { hasher->verifyDummy("a wrong password"); }));
    }
    const double ratio = static_cast<double>(dummy.count()) / static_cast<double>(real.count());
    EXPECT_GT(ratio, 0.5) << "m=" << params.memoryKiB << ": dummy " << dummy.count() << " ns, real " << real.count();
    EXPECT_LT(ratio, 2.0) << "m=" << params.memoryKiB << ": dummy " << dummy.count() << " ns, real " << real.count();
  }
}

}  // namespace
}  // namespace authd::accounts
