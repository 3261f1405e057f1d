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

}  // namespace

RefreshTokens::RefreshTokens(RefreshTokenStore& store, const Clock& clock, std::chrono::seconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

std::string RefreshTokens::hashToken(std::string_view token) { return crypto::sha256Hex(token); }

Result<IssuedRefresh> RefreshTokens::issue(std::string_view userId, std::string_view familyId) {
  RefreshRecord record{
      .id = crypto::uuidV4(),
      .userId = std::string(userId),
      .familyId = familyId.empty() ? crypto::uuidV4() : std::string(familyId),
      .expiresAt = clock_.now() + ttl_,
  };
  std::string token = std::string(kPrefix) + crypto::base64UrlEncode(crypto::randomBytes(kRandomBytes));
  if (auto st = store_.insert(record, hashToken(token)); !st) return fail(std::move(st.error()));
  return IssuedRefresh{std::move(token), std::move(record.familyId)};
}

Result<Rotated> RefreshTokens::rotate(std::string_view token) {
  if (!wellFormed(token)) return fail(Code::kInvalidRefreshToken);
  auto found = store_.findByHash(hashToken(token));
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) return fail(Code::kInvalidRefreshToken);
  const RefreshRecord& record = **found;

  if (record.revoked) return fail(Code::kInvalidRefreshToken);
  // Reuse is checked before expiry: a spent token showing up again means a
  // copy leaked, and its successors may still be alive, even if it expired.
  if (record.used) {
    if (auto st = store_.revokeFamily(record.familyId); !st) return fail(std::move(st.error()));
    return fail(Code::kInvalidRefreshToken, "refresh token reused; session revoked");
  }
  if (record.expiresAt <= clock_.now()) return fail(Code::kInvalidRefreshToken);

  // The compare-and-set decides between two concurrent presentations of the
  // same token: the loser is treated as reuse, exactly like a later replay.
  auto marked = store_.markUsed(record.id);
  if (!marked) return fail(std::move(marked.error()));
  if (!*marked) {
    if (auto st = store_.revokeFamily(record.familyId); !st) return fail(std::move(st.error()));
    return fail(Code::kInvalidRefreshToken, "refresh token reused; session revoked");
  }

  auto next = issue(record.userId, record.familyId);
  if (!next) return fail(std::move(next.error()));
  return Rotated{record.userId, std::move(*next)};
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
