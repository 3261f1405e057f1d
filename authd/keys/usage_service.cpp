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

Result<UserUsage> UsageService::forUser(std::string_view userId, const UsageRange& range, bool perKey) {
  if (perKey && range.buckets() > kMaxPerKeyBuckets) {
    return fail(Error::validation({"perKey needs a range of at most " + std::to_string(kMaxPerKeyBuckets) +
                                   " buckets (this one has " + std::to_string(range.buckets()) + ")"}));
  }
  auto rows = reader_.userUsage(userId, range, perKey);
  if (!rows) return fail(rows.error());
  if (perKey) {
    for (auto& t : rows->totals) t.buckets = zeroFill(range, t.buckets);
  }
  return UserUsage{zeroFill(range, rows->buckets), std::move(rows->totals)};
}

}  // namespace authd::keys
