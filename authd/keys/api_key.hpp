// The API key format: a prefix (API_KEY_PREFIX, `[a-z][a-z0-9]{1,15}_`,
// default "sk_") + 56 random lowercase hex + 8 hex of the CRC32 of everything
// before them, prefix included. The checksum lets /verify reject typos and
// guessed keys without touching any cache or database; a distinctive prefix
// lets secret scanners find leaked keys. Keys issued under an earlier prefix
// stay well-formed: the check accepts any prefix of the valid shape.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace authd::keys {

inline constexpr std::string_view kDefaultKeyPrefix = "sk_";
inline constexpr size_t kMinKeyPrefixLength = 3;   // a letter, one more letter or digit, '_'
inline constexpr size_t kMaxKeyPrefixLength = 17;  // a letter, up to 15 more, '_'
inline constexpr size_t kRandomHexLength = 56;
inline constexpr size_t kChecksumHexLength = 8;
inline constexpr size_t kKeyBodyLength = kRandomHexLength + kChecksumHexLength;  // what follows the prefix
inline constexpr size_t kDisplayHexLength = 8;  // random hex shown after the prefix in listings

struct NewKey {
  std::string key;     // shown to the user once, never stored
  std::string hash;    // sha256 hex of key: the only stored form
  std::string prefix;  // the key's prefix + first 8 hex, for listings
};

// True when `prefix` has the shape `[a-z][a-z0-9]{1,15}_`.
bool isValidKeyPrefix(std::string_view prefix) noexcept;

// Generates a fresh key under `prefix` (which must be valid: the config checked it) with its hash and display prefix.
NewKey generateKey(std::string_view prefix);

// True when the string starts with something of the prefix shape (decides JWT vs API key in a
// Bearer header; a JWT starts with "eyJ", never with one).
bool looksLikeApiKey(std::string_view s) noexcept;

// Checks prefix shape, length, lowercase-hex alphabet and checksum, without allocation; false on any mismatch.
bool isWellFormedKey(std::string_view s) noexcept;

// sha256 hex of a (well-formed) key, as stored.
std::string hashKey(std::string_view key);

// Display prefix of a well-formed key (its prefix + first 8 hex); empty for anything else.
std::string displayPrefix(std::string_view key);

}  // namespace authd::keys
