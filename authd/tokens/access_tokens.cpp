#include "tokens/access_tokens.hpp"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/crypto.hpp"

namespace authd::tokens {
namespace {

using nlohmann::json;

// Far above any token we issue; bounds the work an attacker can make us do.
constexpr size_t kMaxTokenBytes = 8192;
// The only header we issue; its encoding lets verify() skip a JSON parse.
constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";
constexpr size_t kHmacBytes = 32;

bool isBase64UrlChar(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

struct Parts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signingInput;  // "header.payload", what the HMAC covers
};

// Checks the shape before anything is decoded: bounded length, exactly three
// non-empty parts, base64url alphabet only (no padding, no whitespace).
std::optional<Parts> split(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return std::nullopt;
  size_t dots[2] = {0, 0};
  int ndots = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c == '.') {
      if (ndots == 2) return std::nullopt;
      dots[ndots++] = i;
    } else if (!isBase64UrlChar(c)) {
      return std::nullopt;
    }
  }
  if (ndots != 2) return std::nullopt;
  Parts p{token.substr(0, dots[0]), token.substr(dots[0] + 1, dots[1] - dots[0] - 1), token.substr(dots[1] + 1),
          token.substr(0, dots[1])};
  if (p.header.empty() || p.payload.empty() || p.signature.empty()) return std::nullopt;
  return p;
}

// Decodes a base64url part holding a JSON object; nullopt for anything else.
// Parsing without exceptions keeps garbage input off the slow throw path.
std::optional<json> decodeObject(std::string_view part) {
  const auto raw = crypto::base64UrlDecode(part);
  if (!raw) return std::nullopt;
  json j = json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

const json* member(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// A string member, or nullptr when missing or not a string.
const std::string* stringMember(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v == nullptr ? nullptr : v->get_ptr<const std::string*>();
}

// An integer member that fits int64_t; floats, strings and huge values are refused.
std::optional<int64_t> integerMember(const json& obj, const char* key) {
  const json* v = member(obj, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) {
    const auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  return std::nullopt;
}

// Exactly HS256: a header naming any other algorithm (none, HS512, RS256 for
// key confusion) is refused before the signature is even looked at.
bool headerAcceptable(std::string_view part, std::string_view expectedEncoded) {
  if (part == expectedEncoded) return true;
  const auto header = decodeObject(part);
  if (!header) return false;
  const std::string* alg = stringMember(*header, "alg");
  if (alg == nullptr || *alg != "HS256") return false;
  if (const json* typ = member(*header, "typ"); typ != nullptr) {
    const auto* s = typ->get_ptr<const std::string*>();
    if (s == nullptr || *s != "JWT") return false;
  }
  return true;
}

class Hs256AccessTokens final : public AccessTokens {
 public:
  Hs256AccessTokens(std::string secret, std::string issuer, std::chrono::seconds ttl, const Clock& clock)
      : secret_(std::move(secret)),
        issuer_(std::move(issuer)),
        ttl_(ttl),
        clock_(clock),
        headerEncoded_(crypto::base64UrlEncode(kHeaderJson)) {}

  std::string issue(std::string_view userId, std::string_view email, std::string_view sessionId) const override {
    const int64_t now = toUnixSeconds(clock_.now());
    json payload = {
        {"sub", userId}, {"email", email},   {"typ", "access"},           {"jti", crypto::uuidV4()},
        {"iat", now},    {"iss", issuer_},   {"exp", now + ttl_.count()},
    };
    if (!sessionId.empty()) payload["sid"] = sessionId;
    // `replace` instead of throwing: emails are validated upstream, and issue()
    // must not throw on a stray invalid UTF-8 byte.
    std::string token = headerEncoded_;
    token += '.';
    token += crypto::base64UrlEncode(payload.dump(-1, ' ', false, json::error_handler_t::replace));
    const auto mac = crypto::hmacSha256(secret_, token);
    token += '.';
    token += crypto::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    return token;
  }

  Result<AccessClaims> verify(std::string_view token) const override {
    try {
      return verifyOrThrowOnOom(token);
    } catch (...) {
      // Only allocation failures can get here; fail closed, never propagate.
      return fail(Code::kInternal, "access token verification failed unexpectedly");
    }
  }

 private:
  Result<AccessClaims> verifyOrThrowOnOom(std::string_view token) const {
    const auto parts = split(token);
    if (!parts) return fail(Code::kInvalidToken, "malformed token");
    if (!headerAcceptable(parts->header, headerEncoded_)) return fail(Code::kInvalidToken, "unacceptable header");

    // The signature is checked before any claim is read, so forged payloads
    // never reach the JSON parser.
    const auto signature = crypto::base64UrlDecode(parts->signature);
    if (!signature || signature->size() != kHmacBytes) return fail(Code::kInvalidToken, "bad signature");
    const auto mac = crypto::hmacSha256(secret_, parts->signingInput);
    if (!crypto::constantTimeEqual(*signature, std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size())))
      return fail(Code::kInvalidToken, "bad signature");

    const auto payload = decodeObject(parts->payload);
    if (!payload) return fail(Code::kInvalidToken, "payload is not a JSON object");
    const auto exp = integerMember(*payload, "exp");
    const auto iat = integerMember(*payload, "iat");
    if (!exp || !iat) return fail(Code::kInvalidToken, "exp and iat must be integers");
    const std::string* iss = stringMember(*payload, "iss");
    if (iss == nullptr || *iss != issuer_) return fail(Code::kInvalidToken, "wrong issuer");
    const std::string* typ = stringMember(*payload, "typ");
    if (typ == nullptr || *typ != "access") return fail(Code::kInvalidToken, "not an access token");
    const std::string* sub = stringMember(*payload, "sub");
    const std::string* jti = stringMember(*payload, "jti");
    const std::string* email = stringMember(*payload, "email");
    if (sub == nullptr || sub->empty() || jti == nullptr || jti->empty() || email == nullptr)
      return fail(Code::kInvalidToken, "missing sub, jti or email");

    if (*exp <= toUnixSeconds(clock_.now())) return fail(Code::kTokenExpired);
    const std::string* sid = stringMember(*payload, "sid");
    return AccessClaims{*sub, *email, *jti, *iat, *exp, sid ? *sid : std::string()};
  }

  std::string secret_;
  std::string issuer_;
  std::chrono::seconds ttl_;
  const Clock& clock_;
  std::string headerEncoded_;
};

}  // namespace

std::unique_ptr<AccessTokens> AccessTokens::createHs256(std::string secret, std::string issuer,
                                                        std::chrono::seconds ttl, const Clock& clock) {
  return std::make_unique<Hs256AccessTokens>(std::move(secret), std::move(issuer), ttl, clock);
}

}  // namespace authd::tokens
