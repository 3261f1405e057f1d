#include "tokens/access_tokens.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "core/crypto.hpp"

namespace authd::tokens {
namespace {

using nlohmann::json;

// Far above any token we issue; bounds the work an attacker can make us do.
constexpr size_t kMaxTokenBytes = 8192;
// The header of tokens issued before kids: verified (with JWT_SECRET) only while HS256 is current.
constexpr std::string_view kLegacyHeaderJson = R"({"alg":"HS256","typ":"JWT"})";
constexpr size_t kHmacBytes = 32;
// Clocks of the instances that issue and verify may differ by this much (Envoy's jwt_authn default).
constexpr int64_t kClockSkewSeconds = 60;
// Header members that name or carry a key (RFC 7515 §4.1.2-4.1.6): the verifier picks the key from its own
// set by kid, never from the token, so a token that offers one is refused rather than ignored.
constexpr const char* kKeyCarryingMembers[] = {"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"};

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

// Decodes a base64url part holding a JSON object; nullopt for anything else,
// including an object (at any depth) that names a member twice: parsers
// disagree on which copy wins, so such a token means different things to
// different readers (RFC 8725 §3.11 advice; RFC 7515 §4 says refuse or take
// the last, and refusing is the safe one). Parsing without exceptions keeps
// garbage input off the slow throw path.
std::optional<json> decodeObject(std::string_view part) {
  const auto raw = crypto::base64UrlDecode(part);
  if (!raw) return std::nullopt;
  std::vector<std::vector<std::string>> keysByDepth;
  bool duplicate = false;
  const json::parser_callback_t noDuplicates = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keysByDepth.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keysByDepth.empty()) keysByDepth.pop_back();
    } else if (event == json::parse_event_t::key && !keysByDepth.empty()) {
      auto& seen = keysByDepth.back();
      const auto& key = parsed.get_ref<const std::string&>();
      if (std::ranges::find(seen, key) != seen.end()) duplicate = true;
      seen.push_back(key);
    }
    return true;
  };
  json j = json::parse(*raw, noDuplicates, /*allow_exceptions=*/false);
  if (duplicate || j.is_discarded() || !j.is_object()) return std::nullopt;
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

// One key that verifies: its pinned algorithm, its kid and the exact header authd issues with it.
struct VerifyKey {
  crypto::JwsAlg alg;
  std::string kid;
  const crypto::SigningKey* key;  // nullptr for HS256 (the secret)
  std::string headerEncoded;      // base64url of {"alg","kid","typ":"JWT"}: the fast path skips a JSON parse
};

std::string bytesOf(const std::array<uint8_t, 32>& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

class JwsAccessTokens final : public AccessTokens {
 public:
  JwsAccessTokens(SigningKeys keys, std::string issuer, std::chrono::seconds ttl, const Clock& clock)
      : keys_(std::move(keys)),
        issuer_(std::move(issuer)),
        ttl_(ttl),
        clock_(clock),
        legacyHeaderEncoded_(crypto::base64UrlEncode(kLegacyHeaderJson)) {
    json published = json::array();
    const auto add = [&](crypto::JwsAlg alg, std::string kid, const crypto::SigningKey* key) {
      // The same key given twice (current and previous) is one entry: a kid names one key.
      if (std::ranges::any_of(verifyKeys_, [&](const VerifyKey& k) { return k.kid == kid; })) return;
      const json header = {{"alg", crypto::jwsAlgName(alg)}, {"kid", kid}, {"typ", "JWT"}};
      verifyKeys_.push_back({alg, kid, key, crypto::base64UrlEncode(header.dump())});
      if (key == nullptr) return;
      json jwk = key->publicJwk();
      jwk["kid"] = kid;
      jwk["alg"] = crypto::jwsAlgName(alg);
      jwk["use"] = "sig";
      published.push_back(std::move(jwk));
    };
    if (keys_.current) {
      add(keys_.current->alg(), keys_.current->kid(), keys_.current.get());
    } else {
      // RFC 7638 §3.2 for a symmetric key: {"k","kty":"oct"}. A hash of the secret, never the secret.
      add(crypto::JwsAlg::kHs256,
          crypto::jwkThumbprint({{"k", crypto::base64UrlEncode(keys_.hmacSecret)}, {"kty", "oct"}}), nullptr);
    }
    for (const auto& k : keys_.previous) add(k->alg(), k->kid(), k.get());
    jwks_ = json{{"keys", std::move(published)}}.dump();
  }

  std::string issue(std::string_view userId, std::string_view email, std::string_view sessionId) const override {
    const int64_t now = toUnixSeconds(clock_.now());
    json payload = {
        {"sub", userId}, {"email", email}, {"typ", "access"},           {"jti", crypto::uuidV4()},
        {"iat", now},    {"iss", issuer_}, {"exp", now + ttl_.count()},
    };
    if (!sessionId.empty()) payload["sid"] = sessionId;
    const VerifyKey& current = verifyKeys_.front();
    // `replace` instead of throwing: emails are validated upstream, and issue()
    // must not throw on a stray invalid UTF-8 byte.
    std::string token = current.headerEncoded;
    token += '.';
    token += crypto::base64UrlEncode(payload.dump(-1, ' ', false, json::error_handler_t::replace));
    const std::string signature =
        current.key == nullptr ? bytesOf(crypto::hmacSha256(keys_.hmacSecret, token)) : current.key->sign(token);
    if (signature.empty()) std::abort();  // OpenSSL failing to sign with a loaded key leaves nothing safe to do
    token += '.';
    token += crypto::base64UrlEncode(signature);
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

  const std::string& jwks() const override { return jwks_; }
  const std::string& currentKid() const override { return verifyKeys_.front().kid; }

 private:
  Result<AccessClaims> verifyOrThrowOnOom(std::string_view token) const {
    const auto parts = split(token);
    if (!parts) return fail(Code::kInvalidToken, "malformed");
    const auto key = keyFor(parts->header);
    if (!key) return std::unexpected(key.error());

    // The signature is checked before any claim is read, so forged payloads
    // never reach the JSON parser.
    const auto signature = crypto::base64UrlDecode(parts->signature);
    if (!signature) return fail(Code::kInvalidToken, "bad_signature");
    if ((*key)->key == nullptr) {
      if (signature->size() != kHmacBytes ||
          !crypto::constantTimeEqual(*signature, bytesOf(crypto::hmacSha256(keys_.hmacSecret, parts->signingInput))))
        return fail(Code::kInvalidToken, "bad_signature");
    } else if (!(*key)->key->verify(parts->signingInput, *signature)) {
      return fail(Code::kInvalidToken, "bad_signature");
    }

    const auto payload = decodeObject(parts->payload);
    if (!payload) return fail(Code::kInvalidToken, "payload_not_an_object");
    return checkClaims(*payload);
  }

  // The one key a header may be verified with. Its alg must be the kid's key's algorithm: a header naming
  // any other (none, HS256 under an ES256 kid for key confusion, RS256) is refused before the signature is
  // looked at, and so is one with `crit` (authd understands no JWS extension, and RFC 7515 §4.1.11 says a
  // recipient that does not understand a listed extension must refuse) or one that carries its own key.
  Result<const VerifyKey*> keyFor(std::string_view part) const {
    for (const auto& k : verifyKeys_) {
      if (part == k.headerEncoded) return &k;
    }
    const bool hs256Current = !keys_.current;
    if (hs256Current && part == legacyHeaderEncoded_) return &verifyKeys_.front();
    const auto header = decodeObject(part);
    if (!header) return fail(Code::kInvalidToken, "unacceptable_header");
    const std::string* algName = stringMember(*header, "alg");
    const auto alg = algName == nullptr ? std::nullopt : crypto::parseJwsAlg(*algName);
    if (!alg) return fail(Code::kInvalidToken, "unacceptable_alg");
    if (member(*header, "crit") != nullptr) return fail(Code::kInvalidToken, "unacceptable_header");
    for (const char* m : kKeyCarryingMembers) {
      if (member(*header, m) != nullptr) return fail(Code::kInvalidToken, "header_carries_key");
    }
    if (const json* typ = member(*header, "typ"); typ != nullptr) {
      const auto* s = typ->get_ptr<const std::string*>();
      if (s == nullptr || *s != "JWT") return fail(Code::kInvalidToken, "unacceptable_header");
    }
    const json* kidMember = member(*header, "kid");
    if (kidMember == nullptr) {
      // Issued before kids: only the HS256 secret ever signed those, and only while it is current.
      if (*alg == crypto::JwsAlg::kHs256 && hs256Current) return &verifyKeys_.front();
      return fail(Code::kInvalidToken, "missing_kid");
    }
    const auto* kid = kidMember->get_ptr<const std::string*>();
    if (kid == nullptr) return fail(Code::kInvalidToken, "unknown_kid");
    const auto it = std::ranges::find_if(verifyKeys_, [&](const VerifyKey& k) { return k.kid == *kid; });
    if (it == verifyKeys_.end()) return fail(Code::kInvalidToken, "unknown_kid");
    if (it->alg != *alg) return fail(Code::kInvalidToken, "alg_mismatch");
    return &*it;
  }
  // The claims of a token whose signature is good: only what authd itself issues passes. Each refusal
  // says why in the request log (the message), never to the client (one message per code).
  Result<AccessClaims> checkClaims(const json& payload) const {
    const auto exp = integerMember(payload, "exp");
    const auto iat = integerMember(payload, "iat");
    if (!exp || !iat) return fail(Code::kInvalidToken, "exp_or_iat_not_integer");
    const std::string* iss = stringMember(payload, "iss");
    if (iss == nullptr || *iss != issuer_) return fail(Code::kInvalidToken, "wrong_issuer");
    const std::string* typ = stringMember(payload, "typ");
    if (typ == nullptr || *typ != "access") return fail(Code::kInvalidToken, "not_access_token");
    const std::string* sub = stringMember(payload, "sub");
    const std::string* jti = stringMember(payload, "jti");
    const std::string* email = stringMember(payload, "email");
    if (sub == nullptr || jti == nullptr || email == nullptr) return fail(Code::kInvalidToken, "missing_sub_jti_email");
    // Ids are passed on (X-User-Id) and used as keys (the denylist): only the form authd writes.
    if (!crypto::isCanonicalUuid(*sub)) return fail(Code::kInvalidToken, "sub_not_canonical_uuid");
    if (!crypto::isCanonicalUuid(*jti)) return fail(Code::kInvalidToken, "jti_not_uuid");
    const std::string* sid = stringMember(payload, "sid");
    if (member(payload, "sid") != nullptr && (sid == nullptr || !crypto::isCanonicalUuid(*sid)))
      return fail(Code::kInvalidToken, "sid_not_uuid");

    // Time: issued in the past (within the skew), not before a future nbf, and never living longer
    // than the configured lifetime, so every later use of exp (the denylist, PostgreSQL) is bounded.
    const int64_t now = toUnixSeconds(clock_.now());
    if (*iat < 0 || *iat > now + kClockSkewSeconds) return fail(Code::kInvalidToken, "iat_in_future_or_negative");
    if (member(payload, "nbf") != nullptr) {
      const auto nbf = integerMember(payload, "nbf");
      if (!nbf || *nbf > now + kClockSkewSeconds) return fail(Code::kInvalidToken, "nbf_in_future");
    }
    if (*exp > *iat + ttl_.count() + kClockSkewSeconds) return fail(Code::kInvalidToken, "lifetime_too_long");
    if (*exp <= now) return fail(Code::kTokenExpired);
    return AccessClaims{*sub, *email, *jti, *iat, *exp, sid ? *sid : std::string()};
  }

  SigningKeys keys_;
  std::string issuer_;
  std::chrono::seconds ttl_;
  const Clock& clock_;
  std::string legacyHeaderEncoded_;
  std::vector<VerifyKey> verifyKeys_;  // current first; points into keys_
  std::string jwks_;
};

}  // namespace

std::unique_ptr<AccessTokens> AccessTokens::create(SigningKeys keys, std::string issuer, std::chrono::seconds ttl,
                                                   const Clock& clock) {
  return std::make_unique<JwsAccessTokens>(std::move(keys), std::move(issuer), ttl, clock);
}

std::unique_ptr<AccessTokens> AccessTokens::createHs256(std::string secret, std::string issuer,
                                                        std::chrono::seconds ttl, const Clock& clock) {
  return create(SigningKeys{std::move(secret), nullptr, {}}, std::move(issuer), ttl, clock);
}

}  // namespace authd::tokens
