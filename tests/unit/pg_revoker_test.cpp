// The revoker's time arithmetic, which must hold on its own whatever `exp` a token carries (the JWT verifier bounds
// exp separately). The statements themselves run against PostgreSQL in the integration and e2e suites.
#include "store/pg/pg_revoker.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace authd::store::pg {
namespace {

// An ordinary expiry becomes milliseconds unchanged.
TEST(PgRevokerTest, DenialMillisOfOrdinaryExpiry) {
  EXPECT_EQ(denialMillis(1'800'000'000), 1'800'000'000'000);
  EXPECT_EQ(denialMillis(0), 0);
}

// A far-future exp (once `expiresAt * 1000`: signed overflow, then a timestamp PostgreSQL refuses, then a 500)
// saturates at 9999-12-31T23:59:59Z, which PostgreSQL stores; a negative one at the epoch.
TEST(PgRevokerTest, DenialMillisSaturates) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (const int64_t exp :
       {kMax, kMax / 1000 + 1, int64_t{9'223'372'036'854'776}, int64_t{300'000'000'000}, kMaxDenialSeconds + 1}) {
    EXPECT_EQ(denialMillis(exp), kMaxDenialSeconds * 1000) << exp;
  }
  EXPECT_EQ(denialMillis(kMaxDenialSeconds), kMaxDenialSeconds * 1000);
  EXPECT_EQ(denialMillis(-1), 0);
  EXPECT_EQ(denialMillis(std::numeric_limits<int64_t>::min()), 0);
}

}  // namespace
}  // namespace authd::store::pg
