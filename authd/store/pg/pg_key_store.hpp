// PostgreSQL implementation of the API key interfaces.
#pragma once

#include <cstdint>
#include <functional>

#include "events/written_counts.hpp"
#include "keys/key_store.hpp"
#include "store/pg/pg_pool.hpp"

namespace authd::store::pg {

class PgKeyStore final : public keys::KeyRepository,
                         public keys::KeyLookup,
                         public keys::LastUsedSink,
                         public keys::CreditSink {
 public:
  // `counts` tallies the audit events its changes write (after they commit).
  PgKeyStore(PgPool& pool, events::WrittenCounts& counts) : pool_(pool), counts_(counts) {}
  Result<keys::KeyRecord> create(std::string_view userId, const keys::CreateKeyRequest& req, std::string_view keyHash,
                                 std::string_view prefix, const events::Context& ctx) override;
  Result<std::vector<keys::KeyRecord>> listByUser(std::string_view userId) override;
  Result<std::optional<keys::ChangedKey>> revoke(std::string_view userId, std::string_view keyId,
                                                 const events::Context& ctx) override;
  Result<std::optional<keys::KeyRecord>> get(std::string_view userId, std::string_view keyId) override;
  Result<std::optional<keys::StoredKey>> update(std::string_view userId, std::string_view keyId,
                                                const keys::KeyPatch& patch, const events::Context& ctx) override;
  Result<std::optional<keys::RotatedKey>> rotate(std::string_view userId, std::string_view keyId,
                                                 std::chrono::seconds grace, std::string_view keyHash,
                                                 std::string_view prefix, const events::Context& ctx) override;
  Result<std::optional<keys::StoredKey>> disableLeaked(std::string_view keyHash, const events::Origin& origin) override;
  Result<std::optional<keys::KeyRecord>> findByHash(std::string_view keyHash) override;
  Status touchLastUsed(const std::vector<keys::KeyUse>& uses) override;
  Result<size_t> saveCredits(const std::vector<keys::CreditBalance>& balances) override;

  // Streams the first 64 bits of every stored key hash to `sink` (the verify path's key filter).
  Status forEachHashPrefix(const std::function<void(uint64_t)>& sink);

 private:
  PgPool& pool_;
  events::WrittenCounts& counts_;
};

}  // namespace authd::store::pg
