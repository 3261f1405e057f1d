// Whether a user is active, and the operator's rate limit for them, cached in
// process for /verify (JWTs and keys alike). Evicted by the invalidation bus when the user changes; re-checked
// after a while; served stale while PostgreSQL is down.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "accounts/user_store.hpp"
#include "core/changes.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "verify/l1_cache.hpp"

namespace authd::verify {

class UserStatusCache final : public ChangeListener {
 public:
  UserStatusCache(accounts::UserStatusSource& store, const Clock& clock, size_t capacity,
                  std::chrono::milliseconds fresh, std::chrono::milliseconds staleMax)
      : store_(store), clock_(clock), fresh_(fresh), staleMax_(staleMax), l1_(capacity) {}

  // The user's status; nullopt: no such user. An error only when PostgreSQL is down and nothing is
  // known about the user.
  Result<std::optional<accounts::UserStatus>> status(std::string_view userId);
  // true/false: active or not; nullopt: no such user (status() without the limit).
  Result<std::optional<bool>> isActive(std::string_view userId);
  void onChange(const Change& change) override;

 private:
  struct Entry {
    std::optional<accounts::UserStatus> status;
    SteadyTime freshUntil;
  };
  accounts::UserStatusSource& store_;
  const Clock& clock_;
  std::chrono::milliseconds fresh_;
  std::chrono::milliseconds staleMax_;
  L1Cache<Entry> l1_;
};

}  // namespace authd::verify
