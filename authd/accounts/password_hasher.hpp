// Password hashing with argon2id (libargon2). The defaults are OWASP's
// minimum (19 MiB, 2 passes, 1 lane); config may raise them. Stored hashes
// are PHC strings, so hashes made with older parameters still verify. bcrypt
// strings imported from the original NestJS service verify too (accounts/bcrypt),
// and needsRehash() says a login should replace them with argon2id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace authd::accounts {

struct Argon2Params {
  uint32_t memoryKiB = 19456;
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
};

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash) with a fresh 16-byte salt.
  virtual Result<std::string> hash(std::string_view password) const = 0;
  // True when password matches the stored hash: an argon2id PHC string or an imported bcrypt string ($2a$, $2b$,
  // $2y$); false for a wrong password or any other or malformed string (never throws).
  virtual bool verify(std::string_view phc, std::string_view password) const = 0;
  // True when a stored hash that verified should be replaced by hash()'s: it is not argon2id (an imported bcrypt).
  virtual bool needsRehash(std::string_view stored) const = 0;
  // Spends the same time as verify() against a fixed dummy hash, so an unknown email costs what a wrong password does.
  virtual void verifyDummy(std::string_view password) const = 0;
  // Computes the dummy hash once, here, with the same parameters as hash().
  static std::unique_ptr<PasswordHasher> createArgon2id(Argon2Params params);
};

}  // namespace authd::accounts
