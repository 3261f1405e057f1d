// libFuzzer target: JWT access-token verification, for HS256, ES256 and EdDSA verifiers. Four views of
// each input: as a token (nothing not signed with the verifier's key verifies), as a one-byte mutation
// of a token we issued (any change is refused), as a payload signed with the right key (the claims
// checks hold whatever the JSON says), and as a header signed with the right key (only the kid's own
// alg, and no key-carrying or crit member, gets through).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "../unit/test_keys.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/signing_key.hpp"
#include "tokens/access_tokens.hpp"

namespace {

using namespace authd;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes, fixed
constexpr std::string_view kIssuer = "authd";

std::shared_ptr<const crypto::SigningKey> key(std::string_view pem) {
  auto k = crypto::SigningKey::fromPem(pem, "fuzz.pem", std::nullopt, true);
  if (!k) __builtin_trap();
  return std::make_shared<const crypto::SigningKey>(std::move(*k));
}

// One verifier and a token it issued; `key` null for HS256.
struct Verifier {
  Verifier(const FakeClock& clock, std::shared_ptr<const crypto::SigningKey> k)
      : key(std::move(k)),
        tokens(tokens::AccessTokens::create({std::string(kSecret), key, {}}, std::string(kIssuer),
                                            std::chrono::hours(1), clock)),
        issued(tokens->issue("7d1f4b0e-1c1a-4c57-9d1e-2f0a3b4c5d6e", "fuzz@example.com",
                             "3c2b1a09-8f7e-4d6c-9b5a-0f1e2d3c4b5a")),
        headerB64(issued.substr(0, issued.find('.'))) {}
  std::shared_ptr<const crypto::SigningKey> key;
  std::unique_ptr<tokens::AccessTokens> tokens;
  std::string issued;
  std::string headerB64;  // the header it issues (with its kid)

  // The signature part for `input`, as this verifier's key makes it.
  std::string sign(std::string_view input) const {
    if (key) return crypto::base64UrlEncode(key->sign(input));
    const auto mac = crypto::hmacSha256(kSecret, input);
    return crypto::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  }
  // True when `token` is header.payload.signature with a signature this verifier's key makes or accepts.
  bool signedWithKey(std::string_view token) const {
    const size_t last = token.rfind('.');
    if (last == std::string_view::npos) return false;
    if (!key) return sign(token.substr(0, last)) == token.substr(last + 1);
    const auto sig = crypto::base64UrlDecode(token.substr(last + 1));
    return sig && key->verify(token.substr(0, last), *sig);
  }
};

struct Fixture {
  FakeClock clock;
  Verifier verifiers[3] = {Verifier(clock, nullptr), Verifier(clock, key(testkeys::kEcP256Pem)),
                           Verifier(clock, key(testkeys::kEd25519Pem))};
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

bool expectedFailure(const authd::Error& e) { return e.code == Code::kInvalidToken || e.code == Code::kTokenExpired; }

// The input as a token: only what was signed with the verifier's key can verify.
void asToken(const Verifier& v, std::string_view input) {
  const auto r = v.tokens->verify(input);
  if (r && (dots(input) != 2 || !v.signedWithKey(input))) __builtin_trap();
  if (!r && !expectedFailure(r.error())) __builtin_trap();
}

// Input bytes 0-1 pick a position in the issued token, byte 2 the new value.
void asMutation(const Verifier& v, const uint8_t* data, size_t size) {
  if (size < 3) return;
  std::string token = v.issued;
  const size_t pos = (static_cast<size_t>(data[0]) | (static_cast<size_t>(data[1]) << 8)) % token.size();
  const bool unchanged = static_cast<uint8_t>(token[pos]) == data[2];
  token[pos] = static_cast<char>(data[2]);
  const auto r = v.tokens->verify(token);
  if (r.has_value() != unchanged) __builtin_trap();
}

// The input as the payload of a correctly signed token: whatever the JSON,
// a success carries claims that pass every check.
void asSignedPayload(const Fixture& f, const Verifier& v, std::string_view input) {
  std::string token = v.headerB64;
  token += '.';
  token += crypto::base64UrlEncode(input);
  const std::string sig = v.sign(token);
  token += '.';
  token += sig;
  const auto r = v.tokens->verify(token);
  if (!r) {
    if (!expectedFailure(r.error())) __builtin_trap();
    return;
  }
  if (r->sub.empty() || r->jti.empty() || r->exp <= toUnixSeconds(f.clock.now())) __builtin_trap();
}

// The input as the header of a token with the issued payload, signed with the verifier's key: a success
// means the header named this key's kid with its alg (or, for HS256 only, no kid), and carried no key and
// no crit.
void asSignedHeader(const Verifier& v, std::string_view input) {
  const std::string payloadB64 = v.issued.substr(v.headerB64.size() + 1, v.issued.rfind('.') - v.headerB64.size() - 1);
  std::string token = crypto::base64UrlEncode(input) + "." + payloadB64;
  token += "." + v.sign(token);
  const auto r = v.tokens->verify(token);
  if (!r) {
    if (!expectedFailure(r.error())) __builtin_trap();
    return;
  }
  const auto header = nlohmann::json::parse(input, nullptr, false);
  if (!header.is_object()) __builtin_trap();
  for (const char* m : {"jwk", "jku", "x5u", "x5c", "crit"}) {
    if (header.contains(m)) __builtin_trap();
  }
  const auto alg = header.value("alg", std::string());
  if (v.key) {
    if (alg != crypto::jwsAlgName(v.key->alg()) || header.value("kid", std::string()) != v.key->kid()) __builtin_trap();
  } else if (alg != "HS256" || (header.contains("kid") && header["kid"] != v.tokens->currentKid())) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    Fixture& f = fixture();
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const Verifier& v : f.verifiers) {
      asToken(v, input);
      asMutation(v, data, size);
      asSignedPayload(f, v, input);
      asSignedHeader(v, input);
    }
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
