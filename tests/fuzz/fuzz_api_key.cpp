// libFuzzer target: the API key format check (prefix shape, alphabet, CRC32) and
// credential extraction from the Authorization / x-api-key headers.
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keys/api_key.hpp"
#include "verify/credentials.hpp"

namespace {

using namespace authd;

bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// An independent statement of the prefix shape, [a-z][a-z0-9]{1,15}_.
bool referencePrefix(std::string_view p) {
  if (p.size() < 3 || p.size() > 17 || !std::islower(static_cast<unsigned char>(p[0])) || p.back() != '_') return false;
  for (size_t i = 1; i + 1 < p.size(); ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (!std::islower(c) && !std::isdigit(c)) return false;
  }
  return true;
}

// Writes the CRC32 (zlib's) of the first `n` characters of `s` as 8 hex digits into `out`.
void crcHex(std::string_view s, size_t n, char out[8]) {
  const auto crc = static_cast<uint32_t>(::crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(n)));
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) out[i] = kDigits[(crc >> (28 - 4 * i)) & 0xf];
}

// An independent statement of the format, checked against isWellFormedKey: prefix, 56 hex, CRC32 of both.
bool referenceWellFormed(std::string_view s) {
  if (s.size() < 64 + 3 || s.size() > 64 + 17) return false;
  const size_t p = s.size() - 64;
  if (!referencePrefix(s.substr(0, p))) return false;
  for (size_t i = p; i < s.size(); ++i) {
    if (!isLowerHex(s[i])) return false;
  }
  char hex[8];
  crcHex(s, p + 56, hex);
  return s.substr(p + 56) == std::string_view(hex, 8);
}

void checkKey(std::string_view s) {
  const bool wellFormed = keys::isWellFormedKey(s);
  if (wellFormed && !keys::looksLikeApiKey(s)) __builtin_trap();
  if (wellFormed != referenceWellFormed(s)) __builtin_trap();
  // A JWT (its header is base64url of '{"', "eyJ") is never taken for a key.
  if (s.starts_with("eyJ") && keys::looksLikeApiKey(s)) __builtin_trap();
  if (keys::looksLikeApiKey(s) != referencePrefix(s.substr(0, std::min(s.find('_') + 1, s.size())))) __builtin_trap();
}

// The credential's value always points into the header it came from.
void checkPointsInto(const verify::Credential& c, const std::string& header) {
  if (c.value.empty()) return;
  const char* b = header.data();
  if (c.value.data() < b || c.value.data() + c.value.size() > b + header.size()) __builtin_trap();
}

void checkHeaders(const std::string& input) {
  if (const auto token = verify::bearerToken(input)) {
    if (token->empty() || token->front() == ' ' || token->back() == ' ') __builtin_trap();
  }
  const std::optional<std::string> authorization = input;
  const std::optional<std::string> none;
  using verify::CredentialKind;
  using verify::Mode;
  for (const Mode mode : {Mode::kAny, Mode::kJwt, Mode::kApiKey}) {
    const auto fromAuth = verify::extractCredential(mode, authorization, none);
    checkPointsInto(fromAuth, *authorization);
    if (input.empty() != (fromAuth.kind == CredentialKind::kNone)) __builtin_trap();
    // A route never reads a credential of a kind it does not accept.
    if (mode == Mode::kJwt && fromAuth.kind == CredentialKind::kApiKey) __builtin_trap();
    if (mode == Mode::kApiKey && fromAuth.kind == CredentialKind::kJwt) __builtin_trap();
    if (fromAuth.kind == CredentialKind::kWrongKind && !fromAuth.value.empty()) __builtin_trap();
  }

  // x-api-key wins whenever it is non-empty, where keys are read; a JWT-only route never reads it.
  const std::optional<std::string> jwtAuth("Bearer x.y.z");
  for (const Mode mode : {Mode::kAny, Mode::kApiKey}) {
    const auto fromKey = verify::extractCredential(mode, jwtAuth, authorization);
    if (!input.empty()) {
      if (fromKey.kind != CredentialKind::kApiKey) __builtin_trap();
      checkPointsInto(fromKey, *authorization);
    }
  }
  const auto jwtRoute = verify::extractCredential(Mode::kJwt, jwtAuth, authorization);
  if (jwtRoute.kind != CredentialKind::kJwt || jwtRoute.value != "x.y.z") __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::string input(reinterpret_cast<const char*>(data), size);
    checkKey(input);
    checkHeaders(input);

    const std::string bearer = "Bearer " + input;
    checkKey(bearer);
    checkHeaders(bearer);
    const auto token = verify::bearerToken(bearer);
    const std::optional<std::string> bearerHeader = bearer;  // the credential points into it: keep it alive
    const auto cred = verify::extractCredential(verify::Mode::kAny, bearerHeader, std::nullopt);
    if (token && cred.value != *token) __builtin_trap();
    if (token && keys::looksLikeApiKey(*token) != (cred.kind == verify::CredentialKind::kApiKey)) __builtin_trap();

    // Repair the checksum of anything shaped like a key: it must then be accepted.
    if (input.size() >= 64 + 3 && input.size() <= 64 + 17 && referencePrefix(input.substr(0, input.size() - 64))) {
      const size_t p = input.size() - 64;
      std::string fixed = input;
      for (size_t i = p; i < fixed.size(); ++i) {
        if (!isLowerHex(fixed[i])) fixed[i] = "0123456789abcdef"[static_cast<unsigned char>(fixed[i]) & 0xf];
      }
      crcHex(fixed, p + 56, fixed.data() + p + 56);
      if (!keys::isWellFormedKey(fixed)) __builtin_trap();
    }
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
