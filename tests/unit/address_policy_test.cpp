// events/address_policy at the edges of the ranges webhooks must never reach (events_test has the ranges
// themselves): the first and last address of each, the first public one beyond, and the IPv4-mapped IPv6 forms.
#include "events/address_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

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

// A lookup that answers in time is passed through; one that does not is given up after the deadline (the call
// returns while the lookup is still blocked), and its slot is held until it returns: with every slot held the
// next call is refused at once with overloaded.
TEST(AddressPolicyEdgesTest, LookupsHaveADeadlineAndBoundedSlots) {
  const auto slots = std::make_shared<LookupSlots>(1);
  const auto quick = withDeadline([] { return Result<std::vector<std::string>>(std::vector<std::string>{"1.1.1.1"}); },
                                  std::chrono::milliseconds(2000), slots);
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(*quick, std::vector<std::string>{"1.1.1.1"});

  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  const auto slow = withDeadline(
      [released] {
        released.wait();
        return Result<std::vector<std::string>>(std::vector<std::string>{"8.8.8.8"});
      },
      std::chrono::milliseconds(20), slots);
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().code, Code::kUrlNotAllowed);
  EXPECT_NE(slow.error().message.find("did not resolve within 20 ms"), std::string::npos) << slow.error().message;

  // The slow lookup still holds the only slot.
  const auto refused = withDeadline([] { return Result<std::vector<std::string>>(std::vector<std::string>{}); },
                                    std::chrono::milliseconds(2000), slots);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::kOverloaded);

  release->set_value();
  for (int i = 0; i < 200 && slots->inFlight.load() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(slots->inFlight.load(), 0);
  EXPECT_TRUE(withDeadline([] { return Result<std::vector<std::string>>(std::vector<std::string>{"9.9.9.9"}); },
                           std::chrono::milliseconds(2000), slots)
                  .has_value());
}

}  // namespace
}  // namespace authd::events
