// libFuzzer target: the API key format check (prefix, alphabet, CRC32) and
// credential extraction from the Authorization / x-api-key headers.
#include <zlib.h>

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

// An independent statement of the format, checked against isWellFormedKey.
bool referenceWellFormed(std::string_view s) {
  if (s.size() != 67 || s.substr(0, 3) != "sk_") return false;
  for (size_t i = 3; i < 67; ++i) {
    if (!isLowerHex(s[i])) return false;
  }
  const auto crc = static_cast<uint32_t>(::crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(59)));
  char hex[9];
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) hex[i] = kDigits[(crc >> (28 - 4 * i)) & 0xf];
  return s.substr(59) == std::string_view(hex, 8);
}

void checkKey(std::string_view s) {
  const bool wellFormed = keys::isWellFormedKey(s);
  if (wellFormed && (s.size() != keys::kKeyLength || !s.starts_with("sk_"))) __builtin_trap();
  if (wellFormed && !keys::looksLikeApiKey(s)) __builtin_trap();
  if (wellFormed != referenceWellFormed(s)) __builtin_trap();
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
    if (input.size() == keys::kKeyLength && input.starts_with("sk_")) {
      std::string fixed = input;
      for (size_t i = 3; i < fixed.size(); ++i) {
        if (!isLowerHex(fixed[i])) fixed[i] = "0123456789abcdef"[static_cast<unsigned char>(fixed[i]) & 0xf];
      }
      const auto crc =
          static_cast<uint32_t>(::crc32(0L, reinterpret_cast<const Bytef*>(fixed.data()), static_cast<uInt>(59)));
      for (int i = 0; i < 8; ++i) fixed[59 + i] = "0123456789abcdef"[(crc >> (28 - 4 * i)) & 0xf];
      if (!keys::isWellFormedKey(fixed)) __builtin_trap();
    }
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
