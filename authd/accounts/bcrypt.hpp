// bcrypt hashes carried over from the original NestJS service (`authd import-nestjs`), checked with the
// system's crypt library (libxcrypt's crypt_rn). Only verification: authd never makes a bcrypt hash, and a
// successful login replaces one with argon2id (accounts/account_service).
#pragma once

#include <string_view>

namespace authd::accounts {

// True when `hash` has the shape of a bcrypt string: "$2a$", "$2b$" or "$2y$", a two-digit cost of 04–12 (bcrypt allows
// up to 31, but past 12 one check holds a hashing worker for over a second: such a hash is refused, at import and
// at login),
// "$", then 53 characters of bcrypt's base64 alphabet (60 in all).
bool isBcryptHash(std::string_view hash);

// True when `password` matches the bcrypt string `hash`; false for a wrong password, a string that is not a
// well-formed bcrypt hash, or a password holding a NUL (never throws). Thread-safe: each call has its own
// crypt_data. Like every bcrypt, only the password's first 72 bytes count.
bool verifyBcrypt(std::string_view hash, std::string_view password);

}  // namespace authd::accounts
