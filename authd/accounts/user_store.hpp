// Users as the accounts service sees them, and where they are kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::accounts {

struct User {
  std::string id;
  std::string email;
  std::string name;
  std::string passwordHash;  // argon2id PHC string (or an imported bcrypt one until its next login); never leaves
                             // the service
  bool isActive = true;
  SysTime createdAt;
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  // Creates a user; kEmailTaken when the email exists in any letter case. Writes user.signup (from `origin`)
  // in the same transaction (accounts/account_audit.hpp).
  virtual Result<User> create(std::string_view email, std::string_view name, std::string_view passwordHash,
                              const events::Origin& origin) = 0;
  // The user whose email normalises (accounts::normalizeEmail) to `normalizedEmail`, if any.
  virtual Result<std::optional<User>> findByEmail(std::string_view normalizedEmail) = 0;
  // The user with this id, if any.
  virtual Result<std::optional<User>> findById(std::string_view id) = 0;
  // Replaces the user's password hash by `newHash` only while it is still `oldHash` (a login's rehash of an imported
  // bcrypt hash: a password change or reset that committed meanwhile wins). True when it was replaced.
  virtual Result<bool> upgradePasswordHash(std::string_view id, std::string_view oldHash, std::string_view newHash) = 0;
};

// An operator's per-user rate limit (users.rate_limit, rate_window_seconds); limit 0 = none.
struct UserRateOverride {
  int64_t limit = 0;
  int64_t windowSeconds = 60;
};

// What /verify needs to know about a user.
struct UserStatus {
  bool active = true;
  std::optional<UserRateOverride> rateLimit;  // nullopt: the server's USER_RATE_LIMIT
};

// Whether a user may still authenticate, and their limit (the /verify path and the key routes,
// through verify::UserStatusCache).
class UserStatusSource {
 public:
  virtual ~UserStatusSource() = default;
  // Whether the user exists, is active, and its limit override (nullopt: no such user, or an id that is
  // not a UUID).
  virtual Result<std::optional<UserStatus>> userStatus(std::string_view userId) = 0;
};

}  // namespace authd::accounts
