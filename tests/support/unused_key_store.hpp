// A KeyStore whose every operation fails with kInternal. Test doubles derive
// from it and override only what their test exercises, so a call the test did
// not expect shows up as an error instead of silently succeeding.
#pragma once

#include "keys/key_store.hpp"

namespace authd::testing {

class UnusedKeyStore : public keys::KeyStore {
 public:
  Result<keys::KeyRecord> create(std::string_view, const keys::CreateKeyRequest&, std::string_view,
                                 std::string_view) override {
    return fail(Code::kInternal);
  }
  Result<std::vector<keys::KeyRecord>> listByUser(std::string_view) override { return fail(Code::kInternal); }
  Result<std::optional<std::string>> revoke(std::string_view, std::string_view) override {
    return fail(Code::kInternal);
  }
  Result<std::optional<keys::KeyRecord>> findByHash(std::string_view) override { return fail(Code::kInternal); }
  Result<std::optional<bool>> userActive(std::string_view) override { return fail(Code::kInternal); }
  Status touchLastUsed(const std::vector<keys::KeyUse>&) override { return fail(Code::kInternal); }
};

}  // namespace authd::testing
