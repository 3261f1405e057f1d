#include "keys/api_key.hpp"

#include <cstdint>
#include <utility>

#include "core/crypto.hpp"

namespace authd::keys {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Lowercase only: the canonical form is what gets hashed, so "SK_AB.." and
// "sk_ab.." must not both be accepted as the same key.
constexpr int lowerHexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr bool isLowerAlpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool isLowerAlnum(char c) noexcept { return isLowerAlpha(c) || (c >= '0' && c <= '9'); }

std::string checksumHex(std::string_view body) {
  const uint32_t crc = crypto::crc32(body);
  std::string out(kChecksumHexLength, '0');
  for (size_t i = 0; i < kChecksumHexLength; ++i) {
    out[i] = kHexDigits[(crc >> (28 - 4 * i)) & 0xf];
  }
  return out;
}

}  // namespace

bool isValidKeyPrefix(std::string_view prefix) noexcept {
  if (prefix.size() < kMinKeyPrefixLength || prefix.size() > kMaxKeyPrefixLength) return false;
  if (!isLowerAlpha(prefix.front()) || prefix.back() != '_') return false;
  for (size_t i = 1; i + 1 < prefix.size(); ++i) {
    if (!isLowerAlnum(prefix[i])) return false;
  }
  return true;
}

NewKey generateKey(std::string_view prefix) {
  std::string key(prefix);
  key += crypto::toHex(crypto::randomBytes(kRandomHexLength / 2));
  key += checksumHex(key);
  NewKey out;
  out.hash = hashKey(key);
  out.prefix = displayPrefix(key);
  out.key = std::move(key);
  return out;
}

bool looksLikeApiKey(std::string_view s) noexcept {
  // The prefix shape has no '_' before its last character, so the first '_' ends it.
  const size_t underscore = s.substr(0, kMaxKeyPrefixLength).find('_');
  return underscore != std::string_view::npos && isValidKeyPrefix(s.substr(0, underscore + 1));
}

bool isWellFormedKey(std::string_view s) noexcept {
  // The length says where the prefix ends: everything after it has a fixed length.
  if (s.size() < kMinKeyPrefixLength + kKeyBodyLength || s.size() > kMaxKeyPrefixLength + kKeyBodyLength) return false;
  const size_t prefixEnd = s.size() - kKeyBodyLength;
  if (!isValidKeyPrefix(s.substr(0, prefixEnd))) return false;
  const size_t bodyEnd = prefixEnd + kRandomHexLength;
  for (size_t i = prefixEnd; i < bodyEnd; ++i) {
    if (lowerHexValue(s[i]) < 0) return false;
  }
  uint32_t expected = 0;
  for (size_t i = bodyEnd; i < s.size(); ++i) {
    const int v = lowerHexValue(s[i]);
    if (v < 0) return false;
    expected = (expected << 4) | static_cast<uint32_t>(v);
  }
  // crypto::crc32 takes a string_view and allocates nothing; it covers the prefix too.
  return crypto::crc32(s.substr(0, bodyEnd)) == expected;
}

std::string hashKey(std::string_view key) { return crypto::sha256Hex(key); }

std::string displayPrefix(std::string_view key) {
  // Anything else might be a secret pasted in the wrong place: none of it is shown.
  if (!isWellFormedKey(key)) return {};
  return std::string(key.substr(0, key.size() - kKeyBodyLength + kDisplayHexLength));
}

}  // namespace authd::keys
