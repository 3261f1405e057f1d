// events/address_policy at the edges of the ranges webhooks must never reach (events_test has the ranges
// themselves): the first and last address of each, the first public one beyond, and the IPv4-mapped IPv6 forms.
#include "events/address_policy.hpp"

#include <gtest/gtest.h>

namespace authd::events {
namespace {

// Both ends of loopback, private, CGNAT, link-local (metadata), multicast and unspecified, in IPv4 and IPv6 and as
// IPv4-mapped IPv6; the neighbours just outside are public.
TEST(AddressPolicyEdgesTest, RangeEndsAreRefusedAndTheirNeighboursAllowed) {
  for (const char* ip : {"127.0.0.0",
                         "127.255.255.255",
                         "10.0.0.0",
                         "10.255.255.255",
                         "172.16.0.0",
                         "172.31.255.255",
                         "192.168.0.0",
                         "192.168.255.255",
                         "100.64.0.0",
                         "100.127.255.255",
                         "169.254.0.0",
                         "169.254.255.255",
                         "224.0.0.0",
                         "239.255.255.255",
                         "0.0.0.0",
                         "0.255.255.255",
                         "fc00::",
                         "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                         "fe80::",
                         "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                         "ff00::",
                         "ff05::1:3",
                         "::",
                         "::1",
                         "::ffff:0.0.0.0",
                         "::ffff:10.255.255.255",
                         "::ffff:100.64.0.1",
                         "::ffff:172.16.0.1",
                         "::ffff:192.168.0.1",
                         "::ffff:224.0.0.1",
                         "::ffff:7f00:1",
                         "::FFFF:127.0.0.1",
                         "FE80::1",
                         "fd12:3456::1"}) {
    EXPECT_FALSE(isPublicAddress(std::string_view(ip))) << ip;
  }
  for (const char* ip :
       {"126.255.255.255", "128.0.0.0", "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
        "192.169.0.0", "100.63.255.255", "100.128.0.0", "169.253.255.255", "169.255.0.0", "223.255.255.255", "1.0.0.0",
        "fbff::1", "2001:4860:4860::8888", "::ffff:100.128.0.1", "::ffff:1.1.1.1"}) {
    EXPECT_TRUE(isPublicAddress(std::string_view(ip))) << ip;
  }
  EXPECT_FALSE(isPublicAddress(std::string_view("fec0::1"))) << "site-local (deprecated) is refused too";
}

// resolvePublic on literals and the name "localhost": refused with url_not_allowed naming the address unless
// private ones are allowed, when every answer is returned.
TEST(AddressPolicyEdgesTest, ResolvePublicRefusesLocalhostAndMappedLoopback) {
  for (const char* host : {"localhost", "::1", "::ffff:127.0.0.1", "169.254.169.254", "10.0.0.1", "100.64.0.1"}) {
    const auto refused = resolvePublic(host, false);
    ASSERT_FALSE(refused.has_value()) << host;
    EXPECT_EQ(refused.error().code, Code::kUrlNotAllowed);
    EXPECT_NE(refused.error().message.find("is not"), std::string::npos) << refused.error().message;
    const auto allowed = resolvePublic(host, true);
    ASSERT_TRUE(allowed.has_value()) << host;
    EXPECT_FALSE(allowed->empty());
  }
  const auto pub = resolvePublic("2606:4700:4700::1111", false);
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(*pub, std::vector<std::string>{"2606:4700:4700::1111"});
}

}  // namespace
}  // namespace authd::events
