#include "accounts/password_hasher.hpp"

#include <argon2.h>

#include <string>
#include <utility>

#include "accounts/bcrypt.hpp"
#include "core/crypto.hpp"

namespace authd::accounts {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
// Callers allow 8–128 characters; this only bounds what reaches libargon2.
constexpr size_t kMaxPasswordBytes = 1024;
constexpr std::string_view kPhcPrefix = "$argon2id$";

class Argon2idHasher final : public PasswordHasher {
 public:
  explicit Argon2idHasher(Argon2Params params) : params_(params) {
    // A random password nobody knows: verifyDummy() can never succeed, and
    // its cost tracks the configured parameters. If the parameters are
    // invalid, hash() fails too and no account can exist to time against.
    auto dummy = hash(crypto::toHex(crypto::randomBytes(16)));
    if (dummy) dummyPhc_ = std::move(*dummy);
  }

  Result<std::string> hash(std::string_view password) const override {
    if (password.size() > kMaxPasswordBytes) return fail(Code::kValidationFailed, "password is too long");
    const std::string salt = crypto::randomBytes(kSaltBytes);
    std::string encoded(argon2_encodedlen(params_.iterations, params_.memoryKiB, params_.parallelism, kSaltBytes,
                                          kHashBytes, Argon2_id),
                        '\0');
    const int rc =
        argon2id_hash_encoded(params_.iterations, params_.memoryKiB, params_.parallelism, password.data(),
                              password.size(), salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
    if (rc != ARGON2_OK) return fail(Code::kInternal, std::string("argon2id: ") + argon2_error_message(rc));
    // argon2_encodedlen() counts the terminating NUL and may overestimate.
    encoded.resize(encoded.find('\0'));
    return encoded;
  }

  bool verify(std::string_view phc, std::string_view password) const override {
    // Imported from the original service; replaced by argon2id at the next successful login.
    if (isBcryptHash(phc)) return verifyBcrypt(phc, password);
    if (!phc.starts_with(kPhcPrefix) || password.size() > kMaxPasswordBytes) return false;
    // libargon2 wants a NUL-terminated string; an embedded NUL would truncate it.
    if (phc.find('\0') != std::string_view::npos) return false;
    const std::string encoded(phc);
    return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
  }

  bool needsRehash(std::string_view stored) const override { return !stored.starts_with(kPhcPrefix); }

  void verifyDummy(std::string_view password) const override {
    // Same path as a real check, result ignored: only the time matters.
    [[maybe_unused]] const bool ok = verify(dummyPhc_, password);
  }

 private:
  Argon2Params params_;
  std::string dummyPhc_;
};

}  // namespace

std::unique_ptr<PasswordHasher> PasswordHasher::createArgon2id(Argon2Params params) {
  return std::make_unique<Argon2idHasher>(params);
}

}  // namespace authd::accounts
