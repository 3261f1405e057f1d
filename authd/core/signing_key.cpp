#include "core/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"

namespace authd::crypto {
namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using EcSig = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;

constexpr size_t kP256Coordinate = 32;
constexpr size_t kSignatureBytes = 64;  // ES256 r||s and Ed25519 alike
// A PEM key is a few hundred bytes; anything far larger is not one.
constexpr std::streamsize kMaxPemBytes = 64 * 1024;

std::string bytesOf(const unsigned char* p, size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }

// The key's type in words, for the "wrong type" error.
std::string describe(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1)
      return std::string("an EC key on ") + group;
    return "an EC key";
  }
  if (const char* name = EVP_PKEY_get0_type_name(k); name != nullptr) return std::string("a key of type ") + name;
  return "a key of an unknown type";
}

// The algorithm a key's type signs with, if authd supports it.
std::optional<JwsAlg> algOf(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "ED25519")) return JwsAlg::kEdDsa;
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
        std::string_view(group, len) == "prime256v1")
      return JwsAlg::kEs256;
  }
  return std::nullopt;
}

std::optional<std::string> coordinate(EVP_PKEY* k, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(k, param, &raw) != 1) return std::nullopt;
  const Bn bn(raw, &BN_free);
  std::string out(kP256Coordinate, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), kP256Coordinate) !=
      static_cast<int>(kP256Coordinate))
    return std::nullopt;
  return out;
}

// ES256's JWS form (RFC 7518 §3.4: r and s, 32 bytes each) from OpenSSL's DER ECDSA-Sig-Value.
std::string derToRaw(const unsigned char* der, size_t len) {
  const unsigned char* p = der;
  const EcSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)), &ECDSA_SIG_free);
  if (!sig) return {};
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(kSignatureBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, kP256Coordinate) != kP256Coordinate ||
      BN_bn2binpad(s, o + kP256Coordinate, kP256Coordinate) != kP256Coordinate)
    return {};
  return out;
}

// The DER form OpenSSL verifies, from a 64-byte r||s; empty when it is not one.
std::string rawToDer(std::string_view raw) {
  if (raw.size() != kSignatureBytes) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  EcSig sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(p, kP256Coordinate, nullptr);
  BIGNUM* s = BN_bin2bn(p + kP256Coordinate, kP256Coordinate, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// An encrypted PEM is refused rather than prompting on the terminal for its passphrase.
int noPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

std::string_view jwsAlgName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kHs256: return "HS256";
    case JwsAlg::kEs256: return "ES256";
    case JwsAlg::kEdDsa: return "EdDSA";
  }
  return "?";
}

std::optional<JwsAlg> parseJwsAlg(std::string_view name) {
  for (const auto a : {JwsAlg::kHs256, JwsAlg::kEs256, JwsAlg::kEdDsa}) {
    if (jwsAlgName(a) == name) return a;
  }
  return std::nullopt;
}

std::string jwkThumbprint(const nlohmann::json& requiredMembers) {
  // nlohmann's object keeps its members sorted and dump() writes no whitespace: RFC 7638 §3.3's form
  // for members whose values need no escaping (base64url text and names).
  const auto digest = sha256(requiredMembers.dump());
  return base64UrlEncode(bytesOf(digest.data(), digest.size()));
}

struct SigningKey::Impl {
  PKey key{nullptr, &EVP_PKEY_free};
  JwsAlg alg = JwsAlg::kEs256;
  bool hasPrivate = false;
  nlohmann::json jwk;
  std::string kid;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

JwsAlg SigningKey::alg() const { return impl_->alg; }
bool SigningKey::hasPrivate() const { return impl_->hasPrivate; }
const nlohmann::json& SigningKey::publicJwk() const { return impl_->jwk; }
const std::string& SigningKey::kid() const { return impl_->kid; }

std::expected<SigningKey, std::string> SigningKey::fromPem(std::string_view pem, const std::string& origin,
                                                           std::optional<JwsAlg> expected, bool wantPrivate) {
  const Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return std::unexpected(origin + ": cannot read the key (out of memory)");
  auto impl = std::make_unique<Impl>();
  impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, &noPassphrase, nullptr));
  impl->hasPrivate = impl->key != nullptr;
  if (!impl->key && !wantPrivate) {
    BIO_reset(bio.get());
    impl->key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, &noPassphrase, nullptr));
  }
  ERR_clear_error();
  if (!impl->key) {
    return std::unexpected(origin + (wantPrivate ? ": not a PEM private key" : ": not a PEM private or public key") +
                           " (generate one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)");
  }
  const auto alg = algOf(impl->key.get());
  if (!alg || (expected && *alg != *expected)) {
    const std::string want =
        expected ? (*expected == JwsAlg::kEs256 ? "an EC P-256 key for ES256" : "an Ed25519 key for EdDSA")
                 : "an EC P-256 (ES256) or Ed25519 (EdDSA) key";
    return std::unexpected(origin + ": " + describe(impl->key.get()) + ", expected " + want);
  }
  impl->alg = *alg;
  if (*alg == JwsAlg::kEs256) {
    const auto x = coordinate(impl->key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    const auto y = coordinate(impl->key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return std::unexpected(origin + ": cannot read the EC public point");
    impl->jwk = {{"crv", "P-256"}, {"kty", "EC"}, {"x", base64UrlEncode(*x)}, {"y", base64UrlEncode(*y)}};
  } else {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(impl->key.get(), raw, &len) != 1 || len != sizeof raw)
      return std::unexpected(origin + ": cannot read the Ed25519 public key");
    impl->jwk = {{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", base64UrlEncode(bytesOf(raw, len))}};
  }
  impl->kid = jwkThumbprint(impl->jwk);
  return SigningKey(std::move(impl));
}

std::expected<SigningKey, std::string> SigningKey::loadPemFile(const std::string& path, std::optional<JwsAlg> expected,
                                                               bool wantPrivate) {
  std::ifstream in(path, std::ios::binary);
  struct stat st {};
  if (!in || ::stat(path.c_str(), &st) != 0)
    return std::unexpected(path + ": cannot read the key file (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) return std::unexpected(path + ": not a regular file");
  std::string pem(static_cast<size_t>(kMaxPemBytes) + 1, '\0');
  in.read(pem.data(), kMaxPemBytes + 1);
  if (in.bad()) return std::unexpected(path + ": cannot read the key file");
  pem.resize(static_cast<size_t>(in.gcount()));
  if (pem.size() > static_cast<size_t>(kMaxPemBytes)) return std::unexpected(path + ": too large for a PEM key");
  auto key = fromPem(pem, path, expected, wantPrivate);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (key && key->hasPrivate() && (st.st_mode & S_IROTH) != 0)
    return std::unexpected(path + ": a private key readable by everyone (chmod 600 it)");
  return key;
}

std::string SigningKey::sign(std::string_view input) const {
  if (!impl_->hasPrivate) return {};
  const MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const EVP_MD* md = impl_->alg == JwsAlg::kEs256 ? EVP_sha256() : nullptr;  // Ed25519 hashes internally
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return {};
  std::string out(len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DigestSign(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return {};
  out.resize(len);
  return impl_->alg == JwsAlg::kEs256 ? derToRaw(o, len) : out;
}

bool SigningKey::verify(std::string_view input, std::string_view signature) const {
  if (signature.size() != kSignatureBytes) return false;
  std::string der;
  if (impl_->alg == JwsAlg::kEs256) {
    der = rawToDer(signature);
    if (der.empty()) return false;
    signature = der;
  }
  const MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const EVP_MD* md = impl_->alg == JwsAlg::kEs256 ? EVP_sha256() : nullptr;
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, impl_->key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace authd::crypto
