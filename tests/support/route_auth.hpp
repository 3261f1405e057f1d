// The JWT side of an HTTP-layer unit test: access tokens issued and checked
// (HS256) on the test's clock, and which users are active, in the shapes the
// JWT-guarded routes take (`jwt`, `users`). One per test fixture.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "support/fakes/fake_key_stores.hpp"
#include "tokens/access_tokens.hpp"
#include "tokens/denylist.hpp"
#include "verify/jwt_authenticator.hpp"
#include "verify/user_status.hpp"

namespace authd::testing {

struct RouteAuth {
  explicit RouteAuth(const Clock& clock)
      : access(tokens::AccessTokens::createHs256("route-test-secret-0123456789abcdef0123456789ab", "authd",
                                                 std::chrono::hours(1), clock)),
        jwt(*access, denylist, clock),
        users(statuses, clock, 100, std::chrono::seconds(60), std::chrono::hours(1)) {}

  // "Bearer <an access token of `user`>".
  std::string bearer(std::string_view user) const {
    return "Bearer " + access->issue(user, std::string(user) + "@example.com");
  }

  std::unique_ptr<tokens::AccessTokens> access;
  tokens::Denylist denylist;
  verify::JwtAuthenticator jwt;
  FakeUserStatusSource statuses;  // who is active (unknown users: none)
  verify::UserStatusCache users;
};

}  // namespace authd::testing
