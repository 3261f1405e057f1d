#include "keys/usage_service.hpp"

#include "core/crypto.hpp"

namespace authd::keys {

Result<KeyUsage> UsageService::forKey(std::string_view userId, std::string_view keyId, const UsageRange& range) {
  if (!crypto::isUuid(keyId)) return fail(Code::kInvalidId);
  // The key's owner decides (like GET /keys/:id), so a key without usage answers zeros and another user's 404.
  auto key = keys_.get(userId, keyId);
  if (!key) return fail(key.error());
  if (!*key) return fail(Code::kNotFound, "API key not found");
  auto rows = reader_.keyUsage(userId, keyId, range);
  if (!rows) return fail(rows.error());
  return KeyUsage{std::string(keyId), zeroFill(range, *rows)};
}

Result<UserUsage> UsageService::forUser(std::string_view userId, const UsageRange& range) {
  auto rows = reader_.userUsage(userId, range);
  if (!rows) return fail(rows.error());
  return UserUsage{zeroFill(range, rows->buckets), std::move(rows->totals)};
}

}  // namespace authd::keys
