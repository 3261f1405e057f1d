// Where webhooks may go: server-side request forgery is closed by refusing any
// address that is not public (loopback, private, carrier-grade NAT, link-local
// and so cloud metadata at 169.254.169.254 / fd00:ec2::254, multicast,
// documentation and reserved ranges, and IPv6 forms that embed such an IPv4
// address). Checked when an endpoint is registered (resolvePublic) and again for
// every connection the delivery worker opens (isPublicAddress on the socket
// address it is about to connect to, so DNS rebinding does not help).
#pragma once

#include <sys/socket.h>

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
Result<std::vector<std::string>> resolvePublic(const std::string& host, bool allowPrivate);

}  // namespace authd::events
