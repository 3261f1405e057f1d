// PEM keys for the unit tests, generated once with `openssl genpkey` (never used outside tests).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace authd::testkeys {

// A P-256 private key; its x/y below are from `openssl ec -text`.
inline constexpr std::string_view kEcP256Pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbBb1a8Gh988Z/FTl
Yz3ynFs8fIEBpxWiCD/53tCUMFShRANCAATabs/pMsFS6YJmlL2XVn3qWLu15++d
bFvmDjcuHqW6IhKwOYE6P/5lxE6IL5Du7r7XynPS5OYYBz6s7RmKS1FP
-----END PRIVATE KEY-----
)";
// kEcP256Pem's public key (`openssl pkey -pubout`).
inline constexpr std::string_view kEcP256PublicPem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2m7P6TLBUumCZpS9l1Z96li7tefv
nWxb5g43Lh6luiISsDmBOj/+ZcROiC+Q7u6+18pz0uTmGAc+rO0ZiktRTw==
-----END PUBLIC KEY-----
)";
// Another P-256 private key (rotation).
inline constexpr std::string_view kEcP256SecondPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAZ9x6Rqqm+k2FxnH
mENdpVgMeWKu7B2EVkuKVT0UBF2hRANCAARJ4eVVnh5zL/NeDvnwOef+Wt/nOrv8
qyShpb+kYzgUG7xeJLRvYDotJzfi2mwtZYjcZmvpMSjL1VJPhQh+1Nyn
-----END PRIVATE KEY-----
)";
// RFC 8037 Appendix A.1's Ed25519 private key (d = nWGxne_9...).
inline constexpr std::string_view kEd25519Pem = R"(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
)";
// kEd25519Pem's public key.
inline constexpr std::string_view kEd25519PublicPem = R"(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
-----END PUBLIC KEY-----
)";
// Another Ed25519 private key (rotation).
inline constexpr std::string_view kEd25519SecondPem = R"(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIMRfGlCPpTOZ74ZjkEbM3K42gAC+qFWg44+gEcke7LlG
-----END PRIVATE KEY-----
)";
// Wrong types: a P-384 key,
inline constexpr std::string_view kEcP384Pem = R"(-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCF/lDCNdkLQcBGYTCS
dAFuH7Ovk5yU/EuX6uIDvT8WvVP8BXCUgdouffktH1IiA+WhZANiAAQfHZXQ3eQ3
qRr5KnH6Ld+/e47gltbouvZwFgfLWrB1aeqaFZuxKVXenSVgTX6OC1sWi7V51whV
M10h+/YkXgYzNNZplO3qCu5PVCB3cedz7ZzkgU0WXaGDlp+9qv+/cNY=
-----END PRIVATE KEY-----
)";
// an RSA key,
inline constexpr std::string_view kRsaPem = R"(-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMBThm3vHVunERmL
MqnMeE+Xwj616LhlfRBRPMSHsjQOTZDlqOPIT2qqkdxPOOmfxerYenHLpb5wsF/6
QAwhBsdcYzSh3v4G/GWb0W63ZHvcNc/bAG7RvU3zKmqkdeBOByQnxK4VY+j7Ai6Z
54chijiAPcASiJjO3PUi1kEdJwBdAgMBAAECgYEAuw5BuBiRqDvEcOCmxOketuL2
RMHud7IVwlIQ1WDZXLHwlRYZfnmrbCY7uVfAFdGU0IX+CUG1kZTOpnqh4moYyQvW
QmyxAY6WJQDGxbGJKtglEBmkV6K5AXOxFXksmW2SFag2D5WaDqvP43rBnXcH0ND+
Gn8O37Ue+KQX8uDDN2ECQQDl+JQ2WgRgWkCZXyZOT9VkpNoKiv1aBks1sR72MRvo
0PiJAe6rGudSLyK0YDj2+tl/Tt22Kd1ZvvFZS+NJZXU5AkEA1hgwHyoqrc/GXerg
g0VuHiYVLKRdL2+RorgqVz15qgxR8zlCmGvbwjRyja9GMgZu/TXci21P7B24+ewD
h+moRQJAdQeOLSacCYiETUiNjtazqpb12t2mVlTTm0w6jGCrakxF3jscgPic9UbF
a3N4Kb+4RUAWNeiSG2S/H4kt7iDyiQJAUK+e+y/OE+FZVi3d3Ts+a/hYRJHRWL5I
ebXEp0pQ3uhzviGXWpBTqxZPEdy7rMDF9YHmE1noJAlznCT5k7BYrQJAE5e+FWoW
awRdrkYG2z9IpM+9aat/v6AUHXs10sG/xImgfsXN7l1d3rQvrS24OAfWKpU+piBu
tcFIHUcsGyTllQ==
-----END PRIVATE KEY-----
)";
// an X25519 key (key agreement, not signing).
inline constexpr std::string_view kX25519Pem = R"(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VuBCIEIECXQ5dnpmkQNnfdqjZq/PKTcZxhdKsYhpQhF22zpQd1
-----END PRIVATE KEY-----
)";

// The JWK coordinates of kEcP256Pem, from `openssl ec -text -noout` (pub: 04 || x || y), base64url.
inline constexpr std::string_view kEcP256X = "2m7P6TLBUumCZpS9l1Z96li7tefvnWxb5g43Lh6luiI";
inline constexpr std::string_view kEcP256Y = "ErA5gTo__mXETogvkO7uvtfKc9Lk5hgHPqztGYpLUU8";

// Writes `pem` to a fresh file under /tmp with `mode`; returns its path (the test removes it, or /tmp does).
inline std::string writeKeyFile(std::string_view pem, mode_t mode = 0600) {
  std::string path = "/tmp/authd-test-key-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) std::abort();
  if (::write(fd, pem.data(), pem.size()) != static_cast<ssize_t>(pem.size())) std::abort();
  ::fchmod(fd, mode);
  ::close(fd);
  return path;
}

}  // namespace authd::testkeys
