#include "store/invalidation_bus.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authd::store {
namespace {

void expectSame(const Change& a, const Change& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.expiresAt, b.expiresAt);
  EXPECT_EQ(a.version, b.version);
}

// The wire format is the documented one.
TEST(InvalidationBusCodecTest, EncodeFormat) {
  EXPECT_EQ(encodeChange({ChangeKind::kAccessTokenRevoked, "abc", 1800000000}), "jti:abc:1800000000");
  EXPECT_EQ(encodeChange({ChangeKind::kUserChanged, "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"}),
            "user:6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(encodeChange({ChangeKind::kKeyChanged, std::string(64, 'f')}), "key:" + std::string(64, 'f'));
  EXPECT_EQ(encodeChange({ChangeKind::kKeyChanged, "abc", 0, false, 42}), "key:abc:42");
  EXPECT_EQ(encodeChange({ChangeKind::kSessionRevoked, "3e1f6c1e-0d3c-4a3e-9b1e-5c2f0e6d7a8b", 1800003660}),
            "sid:3e1f6c1e-0d3c-4a3e-9b1e-5c2f0e6d7a8b:1800003660");
}

// Every kind of change survives encode → decode unchanged.
TEST(InvalidationBusCodecTest, RoundTrips) {
  for (const Change& c : {Change{ChangeKind::kAccessTokenRevoked, "3e1f6c1e-0d3c-4a3e-9b1e-5c2f0e6d7a8b", 1800003600},
                          Change{ChangeKind::kAccessTokenRevoked, "id:with:colons", 0},
                          Change{ChangeKind::kAccessTokenRevoked, "neg", -5},
                          Change{ChangeKind::kSessionRevoked, "3e1f6c1e-0d3c-4a3e-9b1e-5c2f0e6d7a8b", 1800003660},
                          Change{ChangeKind::kSessionRevoked, "s", INT64_MAX},
                          Change{ChangeKind::kUserChanged, "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", 0},
                          Change{ChangeKind::kKeyChanged, std::string(64, 'a'), 0},
                          Change{ChangeKind::kKeyChanged, std::string(64, 'b'), 0, false, 1764000000123456},
                          Change{ChangeKind::kUserChanged, std::string(128, 'u'), 0}}) {
    const auto decoded = decodeChange(encodeChange(c));
    ASSERT_TRUE(decoded.has_value()) << encodeChange(c);
    expectSame(*decoded, c);
  }
}

// Malformed payloads are refused, never half-read.
TEST(InvalidationBusCodecTest, RejectsMalformed) {
  for (const std::string& bad : std::vector<std::string>{"",
                                                         ":",
                                                         "user",
                                                         "user:",
                                                         "key:",
                                                         "key::5",
                                                         "key:abc:",
                                                         "key:abc:x",
                                                         "key:abc:-1",
                                                         "key:abc:1:2",
                                                         "jti:",
                                                         "jti:abc",
                                                         "jti::123",
                                                         "jti:abc:",
                                                         "jti:abc:12x",
                                                         "jti:abc: 12",
                                                         "jti:abc:1.5",
                                                         "jti:abc:99999999999999999999999",
                                                         "sid:",
                                                         "sid:abc",
                                                         "sid::1",
                                                         "sid:abc:x",
                                                         "SID:abc:1",
                                                         "USER:abc",
                                                         "User:abc",
                                                         " user:abc",
                                                         "token:abc",
                                                         "unknown:x",
                                                         "user:" + std::string(129, 'u'),
                                                         "jti:" + std::string(130, 'j') + ":1"}) {
    EXPECT_FALSE(decodeChange(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace authd::store
