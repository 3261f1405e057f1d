#include "events/webhook_url.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "events/address_policy.hpp"

namespace authd::events {
namespace {

std::unexpected<Error> refuse(std::string why) { return fail(Code::kUrlNotAllowed, "url " + std::move(why)); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

// A registered name or IPv4 address as DNS and getaddrinfo take it: letters, digits, '.', '-', '_'.
bool isHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (const char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<WebhookUrl> parseWebhookUrl(std::string_view url) {
  if (url.empty()) return refuse("must not be empty");
  if (url.size() > kMaxWebhookUrlLength) {
    return refuse("is longer than " + std::to_string(kMaxWebhookUrlLength) + " characters");
  }
  for (const char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F) return refuse("must not contain whitespace, control or non-ASCII characters");
    // WHATWG parsers read '\' as '/' in http(s) URLs, others do not: a URL two parsers see differently is refused.
    if (c == '\\') return refuse("must not contain a backslash");
  }
  if (url.find('#') != std::string_view::npos) return refuse("must not contain a fragment (#)");

  WebhookUrl out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return refuse("must start with http:// or https://");
  out.scheme = lowered(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") return refuse("must start with http:// or https://");
  std::string_view rest = url.substr(sep + 3);

  const auto authorityEnd = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authorityEnd);
  const std::string_view target = authorityEnd == std::string_view::npos ? "" : rest.substr(authorityEnd);
  if (authority.find('@') != std::string_view::npos) return refuse("must not contain user info (user:password@)");

  std::string_view host;
  std::string_view port;
  bool hasPort = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return refuse("has an IPv6 address without its closing ']'");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refuse("has characters after its IPv6 address");
      hasPort = true;
      port = after.substr(1);
    }
    in6_addr a6{};
    if (host.empty() || inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) {
      return refuse("has an invalid IPv6 address");
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      hasPort = true;
      port = authority.substr(colon + 1);
    }
  }
  if (host.empty()) return refuse("must have a host");
  out.host = lowered(host);
  if (!authority.starts_with('[') && !isHostName(out.host)) return refuse("has an invalid host name");

  out.port = out.scheme == "https" ? 443 : 80;
  if (hasPort) {
    unsigned n = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || port.size() > 5 || ec != std::errc{} || ptr != port.data() + port.size() || n < 1 ||
        n > 65535) {
      return refuse("must have a port from 1 to 65535");
    }
    out.port = static_cast<uint16_t>(n);
  }
  out.target = target.empty() ? "/" : target.starts_with('?') ? "/" + std::string(target) : std::string(target);
  return out;
}

Result<WebhookUrl> checkWebhookUrl(std::string_view url, bool allowPrivate, const HostResolver& resolve) {
  auto parsed = parseWebhookUrl(url);
  if (!parsed) return parsed;
  auto addresses = resolve ? resolve(parsed->host, allowPrivate) : resolvePublic(parsed->host, allowPrivate);
  if (!addresses) {
    Error e = std::move(addresses.error());
    // Every lookup slot busy is the server's state (503), not the URL's.
    if (e.code != Code::kOverloaded) e.code = Code::kUrlNotAllowed;
    if (e.message.empty()) e.message = "url's host '" + parsed->host + "' is not allowed";
    return fail(std::move(e));
  }
  return parsed;
}

std::string urlOrigin(const WebhookUrl& u) {
  const bool v6 = u.host.find(':') != std::string::npos;
  std::string out = u.scheme + "://" + (v6 ? "[" + u.host + "]" : u.host);
  if (u.port != (u.scheme == "https" ? 443 : 80)) out += ":" + std::to_string(u.port);
  return out;
}

}  // namespace authd::events
