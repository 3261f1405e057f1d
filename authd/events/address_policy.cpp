#include "events/address_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace authd::events {
namespace {

struct V4Range {
  uint32_t base;
  int bits;
};

constexpr uint32_t v4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

// IANA's special-purpose IPv4 registry, less what is globally reachable.
constexpr std::array<V4Range, 16> kNotPublicV4{{
    {v4(0, 0, 0, 0), 8},        // "this network"
    {v4(10, 0, 0, 0), 8},       // private
    {v4(100, 64, 0, 0), 10},    // carrier-grade NAT
    {v4(127, 0, 0, 0), 8},      // loopback
    {v4(169, 254, 0, 0), 16},   // link-local, cloud metadata
    {v4(172, 16, 0, 0), 12},    // private
    {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {v4(192, 0, 2, 0), 24},     // documentation
    {v4(192, 88, 99, 0), 24},   // 6to4 relay anycast (deprecated)
    {v4(192, 168, 0, 0), 16},   // private
    {v4(198, 18, 0, 0), 15},    // benchmarking
    {v4(198, 51, 100, 0), 24},  // documentation
    {v4(203, 0, 113, 0), 24},   // documentation
    {v4(224, 0, 0, 0), 4},      // multicast
    {v4(240, 0, 0, 0), 4},      // reserved, and the limited broadcast address
    {v4(255, 255, 255, 255), 32},
}};

bool publicV4(uint32_t a) {
  for (const auto& r : kNotPublicV4) {
    const uint32_t mask = r.bits == 0 ? 0 : ~uint32_t(0) << (32 - r.bits);
    if ((a & mask) == (r.base & mask)) return false;
  }
  return true;
}

uint32_t v4At(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

bool prefixIs(const uint8_t* a, std::initializer_list<uint8_t> prefix, int bits) {
  int i = 0;
  for (const uint8_t byte : prefix) {
    const int left = bits - i * 8;
    if (left <= 0) break;
    const uint8_t mask = left >= 8 ? 0xFF : uint8_t(0xFF << (8 - left));
    if ((a[i] & mask) != (byte & mask)) return false;
    ++i;
  }
  return true;
}

bool publicV6(const uint8_t* a) {
  static constexpr uint8_t kZero[16] = {};
  // :: (unspecified) and ::1 (loopback), and the deprecated IPv4-compatible ::a.b.c.d.
  if (std::memcmp(a, kZero, 12) == 0) return false;
  // IPv4-mapped ::ffff:a.b.c.d and NAT64 64:ff9b::a.b.c.d reach the embedded IPv4 address.
  if (std::memcmp(a, kZero, 10) == 0 && a[10] == 0xFF && a[11] == 0xFF) return publicV4(v4At(a + 12));
  if (prefixIs(a, {0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return publicV4(v4At(a + 12));
  if (prefixIs(a, {0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01}, 48)) return false;  // local-use NAT64
  // 6to4 2002:a.b.c.d::/48 reaches a.b.c.d.
  if (prefixIs(a, {0x20, 0x02}, 16)) return publicV4(v4At(a + 2));
  if (prefixIs(a, {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64)) return false;  // discard-only
  if (prefixIs(a, {0x20, 0x01, 0x0D, 0xB8}, 32)) return false;        // documentation
  if (prefixIs(a, {0x20, 0x01, 0x00}, 23)) return false;              // IETF protocol assignments (Teredo, ORCHID…)
  if (prefixIs(a, {0xFC}, 7)) return false;                           // unique local (fd00:ec2::254 is in it)
  if (prefixIs(a, {0xFE, 0x80}, 10)) return false;                    // link-local
  if (prefixIs(a, {0xFE, 0xC0}, 10)) return false;                    // site-local (deprecated)
  if (prefixIs(a, {0xFF}, 8)) return false;                           // multicast
  return true;
}

}  // namespace

bool isPublicAddress(std::string_view ip) {
  if (ip.size() > INET6_ADDRSTRLEN) return false;
  const std::string text(ip);
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) return publicV4(ntohl(a4.s_addr));
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) return publicV6(a6.s6_addr);
  return false;
}

bool isPublicAddress(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr) return false;
  if (addr->sa_family == AF_INET && len >= socklen_t(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    return publicV4(ntohl(in.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6 && len >= socklen_t(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    return publicV6(in6.sin6_addr.s6_addr);
  }
  return false;
}

namespace {

// getaddrinfo, blocking, then the address check.
Result<std::vector<std::string>> resolveNow(const std::string& host, bool allowPrivate) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (host.empty() || getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return fail(Code::kUrlNotAllowed, "url's host does not resolve");
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  std::vector<std::string> out;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ai->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, text, sizeof text);
    } else if (ai->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    if (!allowPrivate && !isPublicAddress(ai->ai_addr, ai->ai_addrlen)) {
      return fail(Code::kUrlNotAllowed, "url must resolve only to public addresses (" + std::string(text) + " is not)");
    }
    out.emplace_back(text);
  }
  if (out.empty()) return fail(Code::kUrlNotAllowed, "url's host does not resolve");
  return out;
}

// What the lookup's thread and its waiter share; the thread may outlive the waiter.
struct Pending {
  std::mutex mu;
  std::condition_variable done;
  std::optional<Result<std::vector<std::string>>> answer;
};

}  // namespace

Result<std::vector<std::string>> withDeadline(Lookup lookup, std::chrono::milliseconds deadline,
                                              const std::shared_ptr<LookupSlots>& slots) {
  if (slots->inFlight.fetch_add(1) >= slots->max) {
    slots->inFlight.fetch_sub(1);
    return fail(Code::kOverloaded, "too many host lookups in flight");
  }
  auto pending = std::make_shared<Pending>();
  try {
    std::thread([pending, slots, lookup = std::move(lookup)] {
      auto answer = lookup();
      // The slot is free before the answer is seen, so a caller that got it can start the next lookup.
      slots->inFlight.fetch_sub(1);
      {
        std::lock_guard lock(pending->mu);
        pending->answer = std::move(answer);
      }
      pending->done.notify_all();
    }).detach();
  } catch (const std::system_error&) {
    slots->inFlight.fetch_sub(1);
    return fail(Code::kOverloaded, "could not start a host lookup");
  }
  std::unique_lock lock(pending->mu);
  if (!pending->done.wait_for(lock, deadline, [&] { return pending->answer.has_value(); })) {
    return fail(Code::kUrlNotAllowed, "url's host did not resolve within " + std::to_string(deadline.count()) + " ms");
  }
  return std::move(*pending->answer);
}

Result<std::vector<std::string>> resolvePublic(const std::string& host, bool allowPrivate) {
  static const auto slots = std::make_shared<LookupSlots>(kMaxLookups);
  return withDeadline([host, allowPrivate] { return resolveNow(host, allowPrivate); }, kResolveDeadline, slots);
}

}  // namespace authd::events
