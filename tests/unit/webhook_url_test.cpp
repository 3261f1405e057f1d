// events/webhook_url: what a webhook URL may look like (http or https, a host, a port, a path; no user info,
// fragment, whitespace or control characters, at most 2048 characters) and where it may point (only public
// addresses unless WEBHOOK_ALLOW_PRIVATE=1), resolving real names ("localhost") and literal addresses.
#include "events/webhook_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace authd::events {
namespace {

// A URL that must be refused with url_not_allowed; the message says why.
std::string refusal(std::string_view url) {
  const auto r = parseWebhookUrl(url);
  EXPECT_FALSE(r.has_value()) << url;
  if (r) return "";
  EXPECT_EQ(r.error().code, Code::kUrlNotAllowed) << url;
  return r.error().message;
}

// Scheme, host, port and target are taken apart; scheme and host lowercased, default ports filled in.
TEST(WebhookUrlTest, ParsesTheParts) {
  auto u = parseWebhookUrl("HTTPS://Hooks.Example.COM/in/authd?token=abc");
  ASSERT_TRUE(u.has_value()) << u.error().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/in/authd?token=abc");

  u = parseWebhookUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.has_value()) << u.error().message;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/");

  u = parseWebhookUrl("http://[2606:4700::1]:81?x=1");
  ASSERT_TRUE(u.has_value()) << u.error().message;
  EXPECT_EQ(u->host, "2606:4700::1");
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->target, "/?x=1");
  EXPECT_EQ(parseWebhookUrl("http://h.example:65535/")->port, 65535);
}

// Only http and https.
TEST(WebhookUrlTest, RefusesOtherSchemes) {
  for (const char* url : {"ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)",
                          "example.com/hook", "//example.com/hook", "httpx://example.com/", "http:/example.com/"}) {
    EXPECT_NE(refusal(url).find("http:// or https://"), std::string::npos) << url;
  }
}

// User info, fragments, empty hosts, bad ports, whitespace and control characters, backslashes, over-long URLs.
TEST(WebhookUrlTest, RefusesMalformedUrls) {
  EXPECT_NE(refusal("https://user:pw@example.com/").find("user info"), std::string::npos);
  EXPECT_NE(refusal("https://example.com@127.0.0.1/").find("user info"), std::string::npos);
  EXPECT_NE(refusal("https://example.com/#frag").find("fragment"), std::string::npos);
  EXPECT_NE(refusal("https:///path").find("host"), std::string::npos);
  EXPECT_NE(refusal("https://:443/").find("host"), std::string::npos);
  EXPECT_NE(refusal("http://[::1/").find("IPv6"), std::string::npos);
  EXPECT_NE(refusal("http://[not-v6]/").find("IPv6"), std::string::npos);
  EXPECT_NE(refusal("http://[::1]x/").find("IPv6"), std::string::npos);
  for (const char* port : {"http://example.com:0/", "http://example.com:65536/", "http://example.com:/",
                           "http://example.com:8o/", "http://example.com:-1/", "http://example.com:000080/"}) {
    EXPECT_NE(refusal(port).find("port"), std::string::npos) << port;
  }
  for (const char* ws : {"https://example.com/a b", " https://example.com/", "https://example.com/\t",
                         "https://example.com/\r\nX-Injected: 1", "https://exa\x01mple.com/", "https://exämple.com/",
                         "https://example.com/\x7f"}) {
    EXPECT_NE(refusal(ws).find("whitespace"), std::string::npos) << ws;
  }
  EXPECT_NE(refusal("https://example.com\\@127.0.0.1/").find("backslash"), std::string::npos);
  EXPECT_NE(refusal("https://exa%6dple.com/").find("host"), std::string::npos);
  EXPECT_NE(refusal("").find("empty"), std::string::npos);

  const std::string base = "https://example.com/";
  EXPECT_TRUE(parseWebhookUrl(base + std::string(kMaxWebhookUrlLength - base.size(), 'a')).has_value());
  EXPECT_NE(refusal(base + std::string(kMaxWebhookUrlLength - base.size() + 1, 'a')).find("2048"), std::string::npos);
}

// With allowPrivate false, names and literals that reach loopback, private, link-local (cloud metadata) or
// IPv4-mapped private addresses are refused with a message naming the address; "localhost" is resolved for real.
TEST(WebhookUrlTest, RefusesPrivateTargetsUnlessAllowed) {
  for (const char* url :
       {"http://localhost/hook", "http://localhost:3000/hook", "http://127.0.0.1/", "http://10.0.0.1/",
        "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/", "http://[fd00:ec2::254]/",
        "http://0.0.0.0/", "http://224.0.0.1/", "https://2130706433/", "http://0x7f000001/"}) {
    const auto refused = checkWebhookUrl(url, false);
    ASSERT_FALSE(refused.has_value()) << url;
    EXPECT_EQ(refused.error().code, Code::kUrlNotAllowed) << url;
    EXPECT_NE(refused.error().message.find("public addresses"), std::string::npos)
        << url << ": " << refused.error().message;
    EXPECT_TRUE(checkWebhookUrl(url, true).has_value()) << url << " is allowed with WEBHOOK_ALLOW_PRIVATE=1";
  }
}

// A public literal passes without DNS; a name that does not resolve is refused even when private ones are allowed.
TEST(WebhookUrlTest, PublicLiteralsPassAndUnresolvableHostsDoNot) {
  EXPECT_TRUE(checkWebhookUrl("https://93.184.215.14/hook", false).has_value());
  EXPECT_TRUE(checkWebhookUrl("https://[2606:4700:4700::1111]/hook", false).has_value());
  for (const bool allow : {false, true}) {
    const auto r = checkWebhookUrl("https://no-such-host.invalid/hook", allow);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Code::kUrlNotAllowed);
    EXPECT_NE(r.error().message.find("resolve"), std::string::npos) << r.error().message;
  }
}

// The resolver is the one given (the host as parsed, the policy as asked), and its refusal is url_not_allowed.
TEST(WebhookUrlTest, UsesTheGivenResolver) {
  std::string asked;
  bool askedAllow = true;
  const HostResolver resolver = [&](const std::string& host, bool allow) -> Result<std::vector<std::string>> {
    asked = host;
    askedAllow = allow;
    if (host == "rebind.example") return fail(Code::kDatabaseUnavailable, "");
    return std::vector<std::string>{"93.184.215.14"};
  };
  EXPECT_TRUE(checkWebhookUrl("https://Hooks.Example/x", false, resolver).has_value());
  EXPECT_EQ(asked, "hooks.example");
  EXPECT_FALSE(askedAllow);
  const auto r = checkWebhookUrl("https://rebind.example/", false, resolver);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kUrlNotAllowed);
  EXPECT_FALSE(r.error().message.empty());
}

// What an event records of an endpoint: no query (a receiver's token may be in it), default ports left out.
TEST(WebhookUrlTest, UrlWithoutQueryDropsTheQuery) {
  EXPECT_EQ(urlOrigin(*parseWebhookUrl("https://h.example/in?token=secret")), "https://h.example");
  EXPECT_EQ(urlOrigin(*parseWebhookUrl("https://hooks.example/services/T0/B0/XXXX")), "https://hooks.example");
  EXPECT_EQ(urlOrigin(*parseWebhookUrl("http://h.example:8080")), "http://h.example:8080");
  EXPECT_EQ(urlOrigin(*parseWebhookUrl("http://[::1]:9/a?b")), "http://[::1]:9");
}

}  // namespace
}  // namespace authd::events
