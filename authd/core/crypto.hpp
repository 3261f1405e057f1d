// Small wrappers over OpenSSL and zlib: the CSPRNG, SHA-256, HMAC-SHA256,
// constant-time comparison, hex, base64 and base64url. Every secret in authd goes
// through these; nothing here allocates more than its output.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authd::crypto {

// `n` bytes from the OS CSPRNG (OpenSSL RAND_bytes); aborts if it fails.
std::string randomBytes(size_t n);

// SHA-256 of `data`, raw 32 bytes.
std::array<uint8_t, 32> sha256(std::string_view data);

// SHA-256 of `data` as 64 lowercase hex characters.
std::string sha256Hex(std::string_view data);

// SHA-1 of `data` as 40 lowercase hex characters (Redis names scripts by it; not for secrets).
std::string sha1Hex(std::string_view data);

// HMAC-SHA256(key, data), raw 32 bytes.
std::array<uint8_t, 32> hmacSha256(std::string_view key, std::string_view data);

// True when a == b, in time that depends only on the lengths.
bool constantTimeEqual(std::string_view a, std::string_view b);

// CRC32 (zlib) of `data`.
uint32_t crc32(std::string_view data);

// Lowercase hex.
std::string toHex(std::string_view bytes);

// base64url without padding (RFC 7515 §2).
std::string base64UrlEncode(std::string_view bytes);

// Decodes unpadded base64url; nullopt on any character outside the alphabet
// or an impossible length.
std::optional<std::string> base64UrlDecode(std::string_view text);

// Standard base64 with padding (RFC 4648 §4), as Standard Webhooks' secrets and signatures use.
std::string base64Encode(std::string_view bytes);
// Decodes padded standard base64; nullopt on anything else.
std::optional<std::string> base64Decode(std::string_view text);

// AES-256-GCM with a random 96-bit nonce: nonce || ciphertext || 16-byte tag. `key` must be 32 bytes;
// `aad` is authenticated, not encrypted (bind a ciphertext to what it belongs to).
std::string aeadSeal(std::string_view key, std::string_view plaintext, std::string_view aad = {});
// The plaintext, or nullopt when `sealed` was not made by aeadSeal with this key and aad (tampered, truncated).
std::optional<std::string> aeadOpen(std::string_view key, std::string_view sealed, std::string_view aad = {});

// A random UUID v4 in canonical text form.
std::string uuidV4();

// True for an 8-4-4-4-12 hex UUID, in either letter case (as PostgreSQL accepts it).
bool isUuid(std::string_view s);
// A UUID in the one form authd writes (lowercase hex, as PostgreSQL prints uuid::text).
bool isCanonicalUuid(std::string_view s);

}  // namespace authd::crypto
