// The events room's pure parts: which addresses webhooks may reach, Standard
// Webhooks signatures, sealed secrets, and an event's JSON.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>

#include <cstring>

#include "core/crypto.hpp"
#include "events/address_policy.hpp"
#include "events/event.hpp"
#include "events/secret_box.hpp"
#include "events/signature.hpp"

namespace authd::events {
namespace {

TEST(AddressPolicyTest, RefusesEveryNonPublicRange) {
  for (const char* ip : {"127.0.0.1",
                         "127.255.255.254",
                         "10.1.2.3",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "169.254.169.254",
                         "100.64.0.1",
                         "0.0.0.0",
                         "224.0.0.1",
                         "239.255.255.250",
                         "240.0.0.1",
                         "255.255.255.255",
                         "192.0.2.1",
                         "198.18.0.1",
                         "198.51.100.7",
                         "203.0.113.9",
                         "::",
                         "::1",
                         "fe80::1",
                         "fc00::1",
                         "fd00:ec2::254",
                         "ff02::1",
                         "::ffff:127.0.0.1",
                         "::ffff:10.0.0.1",
                         "::ffff:169.254.169.254",
                         "64:ff9b::a9fe:a9fe",
                         "2002:7f00:1::",
                         "2001:db8::1",
                         "::127.0.0.1",
                         "not-an-address",
                         "",
                         "1.2.3",
                         "[::1]"}) {
    EXPECT_FALSE(isPublicAddress(std::string_view(ip))) << ip;
  }
}

TEST(AddressPolicyTest, AllowsPublicAddresses) {
  for (const char* ip : {"1.1.1.1", "8.8.8.8", "93.184.216.34", "172.32.0.1", "172.15.255.255", "100.128.0.1",
                         "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "2002:0808:0808::"}) {
    EXPECT_TRUE(isPublicAddress(std::string_view(ip))) << ip;
  }
}

TEST(AddressPolicyTest, ChecksSocketAddressesLikeText) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  EXPECT_FALSE(isPublicAddress(reinterpret_cast<const sockaddr*>(&in), sizeof in));
  inet_pton(AF_INET, "8.8.4.4", &in.sin_addr);
  EXPECT_TRUE(isPublicAddress(reinterpret_cast<const sockaddr*>(&in), sizeof in));
  EXPECT_FALSE(isPublicAddress(reinterpret_cast<const sockaddr*>(&in), sizeof in - 1));  // truncated
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.168.0.1", &in6.sin6_addr);
  EXPECT_FALSE(isPublicAddress(reinterpret_cast<const sockaddr*>(&in6), sizeof in6));
  inet_pton(AF_INET6, "2606:4700::1", &in6.sin6_addr);
  EXPECT_TRUE(isPublicAddress(reinterpret_cast<const sockaddr*>(&in6), sizeof in6));
  EXPECT_FALSE(isPublicAddress(nullptr, 0));
}

TEST(AddressPolicyTest, ResolvesNumericHostsAndRefusesPrivateOnes) {
  const auto loop = resolvePublic("127.0.0.1", false);
  ASSERT_FALSE(loop.has_value());
  EXPECT_EQ(loop.error().code, Code::kUrlNotAllowed);
  const auto allowed = resolvePublic("127.0.0.1", true);
  ASSERT_TRUE(allowed.has_value());
  EXPECT_EQ(*allowed, std::vector<std::string>{"127.0.0.1"});
  EXPECT_FALSE(resolvePublic("localhost", false).has_value());
  EXPECT_FALSE(resolvePublic("", true).has_value());
  EXPECT_FALSE(resolvePublic("no-such-host.invalid", true).has_value());
}

// The example of the Standard Webhooks specification's own libraries (checked against the npm package
// `standardwebhooks`: new Webhook(secret).sign(id, date, payload)).
TEST(SignatureTest, MatchesTheSpecificationsExample) {
  const auto key = webhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(signWebhook(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(SignatureTest, NewSecretsAreStandardAndDistinct) {
  const auto a = newWebhookSecret();
  const auto b = newWebhookSecret();
  EXPECT_NE(a, b);
  ASSERT_TRUE(a.starts_with("whsec_"));
  const auto key = webhookSecretKey(a);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 32u);
  EXPECT_FALSE(webhookSecretKey("whsec_").has_value());
  EXPECT_FALSE(webhookSecretKey("whsec_not base64!").has_value());
  EXPECT_FALSE(webhookSecretKey("whsec_c2hvcnQ=").has_value());  // 5 bytes: too short to sign with
}

TEST(CryptoTest, StandardBase64RoundTripsAndIsStrict) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    const auto enc = crypto::base64Encode(s);
    EXPECT_EQ(enc.size() % 4, 0u);
    EXPECT_EQ(crypto::base64Decode(enc), s) << enc;
  }
  EXPECT_EQ(crypto::base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(crypto::base64Encode("fo"), "Zm8=");
  for (const char* bad : {"Zm8", "Zm=8", "Zm9v YmFy", "Zg===", "Z===", "Zm8-", "Zm8_"}) {
    EXPECT_FALSE(crypto::base64Decode(bad).has_value()) << bad;
  }
}

TEST(CryptoTest, AeadOpensOnlyWhatItSealedWithTheSameKeyAndAad) {
  const std::string key(32, 'k');
  const auto sealed = crypto::aeadSeal(key, "secret", "id-1");
  EXPECT_EQ(sealed.size(), 12u + 6u + 16u);
  EXPECT_EQ(crypto::aeadOpen(key, sealed, "id-1"), "secret");
  EXPECT_FALSE(crypto::aeadOpen(key, sealed, "id-2").has_value());
  EXPECT_FALSE(crypto::aeadOpen(std::string(32, 'x'), sealed, "id-1").has_value());
  std::string tampered = sealed;
  tampered[14] ^= 1;
  EXPECT_FALSE(crypto::aeadOpen(key, tampered, "id-1").has_value());
  EXPECT_FALSE(crypto::aeadOpen(key, sealed.substr(0, 20), "id-1").has_value());
  EXPECT_NE(crypto::aeadSeal(key, "secret", "id-1"), sealed);  // a fresh nonce every time
}

TEST(SecretBoxTest, SealsPerEndpointAndNeverStoresTheSecretInClear) {
  const SecretBox box("operator key material");
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const auto stored = box.seal(secret, "7d0f4b3e-0000-4000-8000-000000000001");
  EXPECT_TRUE(stored.starts_with("v1:"));
  EXPECT_EQ(stored.find("MfKQ9r8"), std::string::npos);
  EXPECT_EQ(box.open(stored, "7d0f4b3e-0000-4000-8000-000000000001"), secret);
  EXPECT_FALSE(box.open(stored, "7d0f4b3e-0000-4000-8000-000000000002").has_value());
  EXPECT_FALSE(SecretBox("another key").open(stored, "7d0f4b3e-0000-4000-8000-000000000001").has_value());
  EXPECT_FALSE(box.open("v2:" + stored.substr(3), "7d0f4b3e-0000-4000-8000-000000000001").has_value());
  EXPECT_FALSE(box.open("v1:***", "7d0f4b3e-0000-4000-8000-000000000001").has_value());
}

TEST(EventTest, RendersTheAuditShape) {
  auto ctx = Context::user("u-1", Origin{"203.0.113.7", std::string(600, 'a')});
  auto e = make(type::kKeyCreated, "u-1", ctx, "key", "k-1", R"({"name":"ci"})");
  e.id = "e-1";
  e.at = SysTime(std::chrono::seconds(1'800'000'000));
  EXPECT_EQ(e.origin.userAgent.size(), kMaxUserAgent);
  const auto j = nlohmann::json::parse(toJson(e));
  EXPECT_EQ(j["id"], "e-1");
  EXPECT_EQ(j["type"], "key.created");
  EXPECT_EQ(j["at"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(j["actor"], (nlohmann::json{{"type", "user"}, {"id", "u-1"}}));
  EXPECT_EQ(j["target"], (nlohmann::json{{"type", "key"}, {"id", "k-1"}}));
  EXPECT_EQ(j["clientAddress"], "203.0.113.7");
  EXPECT_EQ(j["data"], (nlohmann::json{{"name", "ci"}}));

  auto sys = make(type::kKeyExpired, "u-1", Context::system(), "key", "k-1");
  sys.origin.userAgent = "bad \xff utf-8";
  const auto s = nlohmann::json::parse(toJson(sys));
  EXPECT_EQ(s["actor"], (nlohmann::json{{"type", "system"}, {"id", nullptr}}));
  EXPECT_TRUE(s["clientAddress"].is_null());
  EXPECT_TRUE(s["userAgent"].is_string());
  EXPECT_EQ(s["data"], nlohmann::json::object());
}

// A User-Agent is whatever bytes a client sent: what an event keeps is valid UTF-8 without control characters
// (PostgreSQL's text refuses invalid UTF-8 and NUL, and refusing the event would refuse the change with it).
TEST(EventTest, KeepsOnlyPrintableUtf8OfTheUserAgent) {
  const std::string bad =
      std::string("caf\xe9 ") + '\0' + "\x01\x7f\xc2\x85 ok \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82";
  auto e = make(type::kKeyCreated, "u-1", Context::user("u-1", Origin{"127.0.0.1", bad}), "key", "k-1");
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(e.origin.userAgent,
            "caf" + r + " " + r + r + r + r + " ok " + r + r + " " + r + r + r + " " + r + r + r + r + " " + r + r);
  EXPECT_EQ(make(type::kKeyCreated, "u",
                 Context::user("u", Origin{"", "Mozilla/5.0 (X11) \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x91"}), "key", "k")
                .origin.userAgent,
            "Mozilla/5.0 (X11) \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x91");
  // Cut at the limit, never inside a character: 300 two-byte characters keep 256 of them.
  std::string accents;
  for (int i = 0; i < 300; ++i) accents += "\xc3\xa9";
  const auto cut = make(type::kKeyCreated, "u", Context::user("u", Origin{"", accents}), "key", "k").origin.userAgent;
  EXPECT_EQ(cut, accents.substr(0, kMaxUserAgent));
  EXPECT_NO_THROW((void)nlohmann::json(e.origin.userAgent).dump());
}

TEST(EventTest, KnowsWhichTypesCanBeSubscribedTo) {
  EXPECT_EQ(subscribableTypes().size(), 22u);
  EXPECT_TRUE(isSubscribableType("key.credits_exhausted"));
  EXPECT_FALSE(isSubscribableType("webhook.test"));
  EXPECT_FALSE(isSubscribableType("key.*"));
  EXPECT_TRUE(isOperatorOnlyType("user.password_reset_requested"));
  EXPECT_FALSE(isOperatorOnlyType("user.login"));
  EXPECT_EQ(parseActorKind("operator"), ActorKind::kOperator);
  EXPECT_FALSE(parseActorKind("admin").has_value());
}

}  // namespace
}  // namespace authd::events
