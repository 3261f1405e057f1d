#include "keys/key_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/crypto.hpp"
#include "keys/api_key.hpp"

namespace authd::keys {

Result<CreatedKey> KeyService::create(std::string_view userId, const CreateKeyRequest& req,
                                      const events::Context& ctx) {
  NewKey k = generateKey(keyPrefix_);
  auto record = store_.create(userId, req, k.hash, k.prefix, ctx);
  if (!record) return fail(record.error());
  events_.created(k.hash, *record);
  return CreatedKey{std::move(*record), std::move(k.key)};
}

Result<std::vector<KeyRecord>> KeyService::list(std::string_view userId) { return store_.listByUser(userId); }

Result<KeyRecord> KeyService::get(std::string_view userId, std::string_view keyId) {
  if (!crypto::isUuid(keyId)) return fail(Code::kInvalidId);
  auto found = store_.get(userId, keyId);
  if (!found) return fail(found.error());
  if (!*found) return fail(Code::kNotFound, "API key not found");
  return std::move(**found);
}

Result<KeyRecord> KeyService::update(std::string_view userId, std::string_view keyId, const KeyPatch& patch,
                                     const events::Context& ctx) {
  if (!crypto::isUuid(keyId)) return fail(Code::kInvalidId);
  auto updated = store_.update(userId, keyId, patch, ctx);
  if (!updated) return fail(updated.error());
  if (!*updated) return fail(Code::kNotFound, "API key not found");
  events_.changed({(*updated)->hash, (*updated)->record.version});
  return std::move((*updated)->record);
}

Result<CreatedKey> KeyService::rotate(std::string_view userId, std::string_view keyId, std::chrono::seconds grace,
                                      const events::Context& ctx) {
  if (!crypto::isUuid(keyId)) return fail(Code::kInvalidId);
  NewKey k = generateKey(keyPrefix_);
  auto rotated = store_.rotate(userId, keyId, grace, k.hash, k.prefix, ctx);
  if (!rotated) return fail(rotated.error());
  if (!*rotated) return fail(Code::kNotFound, "API key not found");
  events_.created(k.hash, (*rotated)->successor);
  events_.changed((*rotated)->predecessor);
  return CreatedKey{std::move((*rotated)->successor), std::move(k.key)};
}

Status KeyService::revoke(std::string_view userId, std::string_view keyId, const events::Context& ctx) {
  if (!crypto::isUuid(keyId)) return fail(Code::kInvalidId);
  auto changed = store_.revoke(userId, keyId, ctx);
  if (!changed) return fail(changed.error());
  if (!*changed) return fail(Code::kNotFound, "API key not found");
  events_.changed(**changed);
  return {};
}

Status KeyService::reportLeak(std::string_view key, const events::Origin& origin) {
  // Counted before anything else, whatever was sent: the limit is what keeps this route from being
  // a way to probe PostgreSQL.
  const auto counted = counter_.increment("leak:" + origin.clientAddress, leakLimit_.window);
  if (!counted) {
    // Unthrottled while Redis is down (like login): a report must still be able to disable a key.
    spdlog::warn("leak reports: the counter is unreachable; not throttling");
  } else if (counted->count > leakLimit_.limit) {
    Error e(Code::kTooManyRequests, "Too many leak reports; try again later");
    e.retryAfterSeconds = static_cast<int>(std::max<int64_t>(1, counted->resetsInSeconds));
    return fail(std::move(e));
  }
  // Only a key that could exist costs a query; the answer is the same either way.
  if (!isWellFormedKey(key)) return {};
  auto disabled = store_.disableLeaked(hashKey(key), origin);
  if (!disabled) return fail(disabled.error());
  if (*disabled) {
    spdlog::warn("API key {} reported leaked and disabled", (*disabled)->record.id);
    events_.changed({(*disabled)->hash, (*disabled)->record.version});
  }
  return {};
}

}  // namespace authd::keys
