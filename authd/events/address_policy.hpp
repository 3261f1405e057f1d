// Where webhooks may go: server-side request forgery is closed by refusing any
// address that is not public (loopback, private, carrier-grade NAT, link-local
// and so cloud metadata at 169.254.169.254 / fd00:ec2::254, multicast,
// documentation and reserved ranges, and IPv6 forms that embed such an IPv4
// address). Checked when an endpoint is registered (resolvePublic) and again for
// every connection the delivery worker opens (isPublicAddress on the socket
// address it is about to connect to, so DNS rebinding does not help).
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace authd::events {

// Whether a numeric IPv4 or IPv6 address (text, without brackets) is public. Anything that does not parse is not.
bool isPublicAddress(std::string_view ip);
// The same for a socket address (AF_INET or AF_INET6; any other family is not public).
bool isPublicAddress(const sockaddr* addr, socklen_t len);

// Resolves `host` (a name or a numeric address; IPv6 without brackets) and returns every address it has, as
// text. kUrlNotAllowed when it does not resolve, or when any address is not public and `allowPrivate` is false
// (one private answer is enough to refuse: which one a connection would use is not ours to choose).
// The lookup runs with kResolveDeadline (withDeadline, on the process's kMaxLookups slots): a name server that
// never answers holds the calling request worker for at most that long.
Result<std::vector<std::string>> resolvePublic(const std::string& host, bool allowPrivate);

inline constexpr std::chrono::milliseconds kResolveDeadline{3000};
inline constexpr int kMaxLookups = 8;

// Lookups in flight, across callers; one that timed out keeps its slot until it returns.
struct LookupSlots {
  explicit LookupSlots(int max) : max(max) {}
  const int max;
  std::atomic<int> inFlight{0};
};

// Runs `lookup` on a thread of its own and waits at most `deadline` for its answer: kUrlNotAllowed ("did not
// resolve within …") when it takes longer (the thread finishes on its own; its answer is dropped), kOverloaded
// when `slots` are all taken (so a slow name server cannot make authd pile up threads).
using Lookup = std::function<Result<std::vector<std::string>>()>;
Result<std::vector<std::string>> withDeadline(Lookup lookup, std::chrono::milliseconds deadline,
                                              const std::shared_ptr<LookupSlots>& slots);

}  // namespace authd::events
