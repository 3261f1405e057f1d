#include "tokens/refresh_tokens.hpp"

#include <utility>

#include "core/crypto.hpp"

namespace authd::tokens {
namespace {

constexpr std::string_view kPrefix = "rt_";
constexpr size_t kRandomBytes = 32;
constexpr size_t kEncodedBytes = 43;  // unpadded base64url of 32 bytes

// True when `token` has the exact shape we issue. Anything else is refused
// before the store is touched, so garbage costs no database round trip.
bool wellFormed(std::string_view token) {
  if (token.size() != kPrefix.size() + kEncodedBytes || !token.starts_with(kPrefix)) return false;
  // Decoding also checks the alphabet and that the unused tail bits are zero,
  // i.e. that this is the one canonical encoding of 32 bytes.
  const auto raw = crypto::base64UrlDecode(token.substr(kPrefix.size()));
  return raw && raw->size() == kRandomBytes;
}

std::string newToken() { return std::string(kPrefix) + crypto::base64UrlEncode(crypto::randomBytes(kRandomBytes)); }

}  // namespace

RefreshTokens::RefreshTokens(RefreshTokenStore& store, const Clock& clock, std::chrono::seconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

std::string RefreshTokens::hashToken(std::string_view token) { return crypto::sha256Hex(token); }

Result<IssuedRefresh> RefreshTokens::issue(std::string_view userId, std::string_view familyId,
                                           std::span<events::Event> events, const events::Origin& origin,
                                           std::string_view passwordHash) {
  RefreshRecord record{
      .id = crypto::uuidV4(),
      .userId = std::string(userId),
      .familyId = familyId.empty() ? crypto::uuidV4() : std::string(familyId),
      .expiresAt = clock_.now() + ttl_,
      .origin = events::printable(origin),
      .passwordHash = std::string(passwordHash),
  };
  std::string token = newToken();
  if (auto st = store_.insert(record, hashToken(token), events); !st) return fail(std::move(st.error()));
  return IssuedRefresh{std::move(token), std::move(record.familyId)};
}

Result<Rotated> RefreshTokens::rotate(std::string_view token) {
  if (!wellFormed(token)) return fail(Code::kInvalidRefreshToken);
  std::string nextToken = newToken();
  const Successor next{crypto::uuidV4(), hashToken(nextToken), clock_.now() + ttl_};
  // One atomic store operation: spending the token, storing its successor and revoking the family on reuse are
  // serialised per family, so a racing rotation or logout can never leave a successor alive beside a revocation.
  auto r = store_.rotate(hashToken(token), clock_.now(), next);
  if (!r) return fail(std::move(r.error()));
  switch (r->outcome) {
    case RotateOutcome::kRotated:
      return Rotated{std::move(r->userId), IssuedRefresh{std::move(nextToken), std::move(r->familyId)}};
    case RotateOutcome::kReused: return fail(Code::kInvalidRefreshToken, "refresh_token_reused");
    case RotateOutcome::kInvalid: break;
  }
  return fail(Code::kInvalidRefreshToken);
}

Status RefreshTokens::revokeFamilyOf(std::string_view token, std::string_view ownerId) {
  if (!wellFormed(token)) return {};
  auto found = store_.findByHash(hashToken(token));
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) return {};
  if (!ownerId.empty() && (*found)->userId != ownerId) return {};
  return store_.revokeFamily((*found)->familyId);
}

Status RefreshTokens::revokeFamily(std::string_view familyId) { return store_.revokeFamily(familyId); }

}  // namespace authd::tokens
