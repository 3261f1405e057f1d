#include "keys/api_key.hpp"

#include <cstdint>
#include <utility>

#include "core/crypto.hpp"

namespace authd::keys {
namespace {

static_assert(kKeyLength == kKeyPrefix.size() + kRandomHexLength + kChecksumHexLength);
static_assert(kDisplayPrefixLength == kKeyPrefix.size() + 8);

constexpr char kHexDigits[] = "0123456789abcdef";

// Lowercase only: the canonical form is what gets hashed, so "SK_AB.." and
// "sk_ab.." must not both be accepted as the same key.
constexpr int lowerHexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string checksumHex(std::string_view body) {
  const uint32_t crc = crypto::crc32(body);
  std::string out(kChecksumHexLength, '0');
  for (size_t i = 0; i < kChecksumHexLength; ++i) {
    out[i] = kHexDigits[(crc >> (28 - 4 * i)) & 0xf];
  }
  return out;
}

}  // namespace

NewKey generateKey() {
  std::string key(kKeyPrefix);
  key += crypto::toHex(crypto::randomBytes(kRandomHexLength / 2));
  key += checksumHex(key);
  NewKey out;
  out.hash = hashKey(key);
  out.prefix = displayPrefix(key);
  out.key = std::move(key);
  return out;
}

bool looksLikeApiKey(std::string_view s) { return s.starts_with(kKeyPrefix); }

bool isWellFormedKey(std::string_view s) noexcept {
  if (s.size() != kKeyLength || !s.starts_with(kKeyPrefix)) return false;
  const size_t bodyEnd = kKeyPrefix.size() + kRandomHexLength;
  for (size_t i = kKeyPrefix.size(); i < bodyEnd; ++i) {
    if (lowerHexValue(s[i]) < 0) return false;
  }
  uint32_t expected = 0;
  for (size_t i = bodyEnd; i < kKeyLength; ++i) {
    const int v = lowerHexValue(s[i]);
    if (v < 0) return false;
    expected = (expected << 4) | static_cast<uint32_t>(v);
  }
  // crypto::crc32 takes a string_view and allocates nothing.
  return crypto::crc32(s.substr(0, bodyEnd)) == expected;
}

std::string hashKey(std::string_view key) { return crypto::sha256Hex(key); }

std::string displayPrefix(std::string_view key) { return std::string(key.substr(0, kDisplayPrefixLength)); }

}  // namespace authd::keys
