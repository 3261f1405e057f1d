// The API key format: "sk_" + 56 random lowercase hex + 8 hex of the CRC32 of
// everything before them. The checksum lets /verify reject typos and guessed
// keys without touching any cache or database.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace authd::keys {

inline constexpr std::string_view kKeyPrefix = "sk_";
inline constexpr size_t kRandomHexLength = 56;
inline constexpr size_t kChecksumHexLength = 8;
inline constexpr size_t kKeyLength = 67;            // 3 + 56 + 8
inline constexpr size_t kDisplayPrefixLength = 11;  // "sk_" + 8 hex

struct NewKey {
  std::string key;     // shown to the user once, never stored
  std::string hash;    // sha256 hex of key: the only stored form
  std::string prefix;  // "sk_" + first 8 hex, for listings
};

// Generates a fresh key with its hash and display prefix.
NewKey generateKey();

// True when the string starts with "sk_" (decides JWT vs API key in a Bearer header).
bool looksLikeApiKey(std::string_view s);

// Checks length, prefix, lowercase-hex alphabet and checksum, without allocation; false on any mismatch.
bool isWellFormedKey(std::string_view s) noexcept;

// sha256 hex of a (well-formed) key, as stored.
std::string hashKey(std::string_view key);

// Display prefix of a key.
std::string displayPrefix(std::string_view key);

}  // namespace authd::keys
