#include "keys/key_service.hpp"

#include "core/crypto.hpp"
#include "keys/api_key.hpp"

namespace authd::keys {

Result<CreatedKey> KeyService::create(std::string_view userId, const CreateKeyRequest& req) {
  NewKey k = generateKey(keyPrefix_);
  auto record = store_.create(userId, req, k.hash, k.prefix);
  if (!record) return fail(record.error());
  events_.created(k.hash, *record);
  return CreatedKey{std::move(*record), std::move(k.key)};
}

Result<std::vector<KeyRecord>> KeyService::list(std::string_view userId) { return store_.listByUser(userId); }

Status KeyService::revoke(std::string_view userId, std::string_view keyId) {
  if (!crypto::isUuid(keyId)) return fail(Code::kInvalidId);
  auto hash = store_.revoke(userId, keyId);
  if (!hash) return fail(hash.error());
  if (!*hash) return fail(Code::kNotFound, "API key not found");
  events_.changed(**hash);
  return {};
}

}  // namespace authd::keys
