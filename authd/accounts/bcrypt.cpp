#include "accounts/bcrypt.hpp"

#include <crypt.h>

#include <cstring>
#include <memory>
#include <string>

#include "core/crypto.hpp"

namespace authd::accounts {
namespace {

constexpr size_t kBcryptLength = 60;
// Each step doubles the work: cost 10 (the original service's) is about 75 ms here, 12 about 300 ms, 16 about 5 s and
// 31 days. A costlier imported row would let every login (a wrong password too) hold a hashing worker that long.
constexpr int kMaxCost = 12;
// Far above the 72 bytes bcrypt reads: only bounds what reaches libxcrypt.
constexpr size_t kMaxPasswordBytes = 1024;

bool isBcryptBase64(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

// crypt_data holds the password and its derived state: wiped before it is freed.
struct WipedCryptData {
  void operator()(crypt_data* d) const {
    explicit_bzero(d, sizeof(*d));
    delete d;
  }
};

}  // namespace

bool isBcryptHash(std::string_view h) {
  if (h.size() != kBcryptLength || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return false;
  const int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > kMaxCost) return false;
  for (size_t i = 7; i < h.size(); ++i) {
    if (!isBcryptBase64(h[i])) return false;
  }
  return true;
}

bool verifyBcrypt(std::string_view hash, std::string_view password) {
  if (!isBcryptHash(hash) || password.size() > kMaxPasswordBytes) return false;
  // crypt_rn reads C strings: an embedded NUL would cut the password short, so such a password never matches.
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  const std::string setting(hash);
  // About 32 KiB: on the heap rather than a worker thread's stack. Zeroed, as crypt_rn requires.
  std::unique_ptr<crypt_data, WipedCryptData> data(new crypt_data{});
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(*data));
  if (out == nullptr) return false;  // a setting libxcrypt refuses: fails closed
  return crypto::constantTimeEqual(std::string_view(out, std::strlen(out)), hash);
}

}  // namespace authd::accounts
