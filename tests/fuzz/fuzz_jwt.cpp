// libFuzzer target: JWT access-token verification. Three views of each input:
// as a token (nothing not signed with the secret verifies), as a one-byte mutation of a
// token we issued (any change is refused), and as a payload signed with the
// right key (the claims checks hold whatever the JSON says).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "tokens/access_tokens.hpp"

namespace {

using namespace authd;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes, fixed
constexpr std::string_view kIssuer = "authd";
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";  // {"alg":"HS256","typ":"JWT"}

struct Fixture {
  FakeClock clock;
  std::unique_ptr<tokens::AccessTokens> tokens =
      tokens::AccessTokens::createHs256(std::string(kSecret), std::string(kIssuer), std::chrono::hours(1), clock);
  std::string issued =
      tokens->issue("7d1f4b0e-1c1a-4c57-9d1e-2f0a3b4c5d6e", "fuzz@example.com", "3c2b1a09-8f7e-4d6c-9b5a-0f1e2d3c4b5a");
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

size_t dots(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c == '.';
  return n;
}

// True when `token` is header.payload.signature with the signature the secret gives.
bool signedWithSecret(std::string_view token) {
  const size_t last = token.rfind('.');
  if (last == std::string_view::npos) return false;
  const auto mac = crypto::hmacSha256(kSecret, token.substr(0, last));
  return crypto::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size())) ==
         token.substr(last + 1);
}

// The input as a token: only what was signed with the secret can verify.
void asToken(Fixture& f, std::string_view input) {
  const auto r = f.tokens->verify(input);
  if (r && (dots(input) != 2 || !signedWithSecret(input))) __builtin_trap();
  if (!r && r.error().code != Code::kInvalidToken && r.error().code != Code::kTokenExpired) __builtin_trap();
}

// Input bytes 0-1 pick a position in the issued token, byte 2 the new value.
void asMutation(Fixture& f, const uint8_t* data, size_t size) {
  if (size < 3) return;
  std::string token = f.issued;
  const size_t pos = (static_cast<size_t>(data[0]) | (static_cast<size_t>(data[1]) << 8)) % token.size();
  const bool unchanged = static_cast<uint8_t>(token[pos]) == data[2];
  token[pos] = static_cast<char>(data[2]);
  const auto r = f.tokens->verify(token);
  if (r.has_value() != unchanged) __builtin_trap();
}

// The input as the payload of a correctly signed token: whatever the JSON,
// a success carries claims that pass every check.
void asSignedPayload(Fixture& f, std::string_view input) {
  std::string token(kHeaderB64);
  token += '.';
  token += crypto::base64UrlEncode(input);
  const auto mac = crypto::hmacSha256(kSecret, token);
  token += '.';
  token += crypto::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  const auto r = f.tokens->verify(token);
  if (!r) {
    if (r.error().code != Code::kInvalidToken && r.error().code != Code::kTokenExpired) __builtin_trap();
    return;
  }
  if (r->sub.empty() || r->jti.empty() || r->exp <= toUnixSeconds(f.clock.now())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    Fixture& f = fixture();
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    asToken(f, input);
    asMutation(f, data, size);
    asSignedPayload(f, input);
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
