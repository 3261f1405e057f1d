#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "support/text.hpp"

namespace authd::testing {
namespace {

using Clock = std::chrono::steady_clock;

thread_local std::string tLastError;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Milliseconds left before the deadline, for poll(); 0 when past it.
int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(std::min<int64_t>(left, 1 << 30)) : 0;
}

// Waits for `events` on fd; false on timeout or poll error (tLastError set).
bool waitFor(int fd, short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remainingMs(deadline));
    if (n > 0) return true;
    if (n == 0) {
      tLastError = std::string("timed out while ") + what;
      return false;
    }
    if (errno != EINTR) {
      tLastError = std::string("poll: ") + std::strerror(errno);
      return false;
    }
  }
}

// Connects from `source` (an IPv4 address; "" lets the kernel choose) to 127.0.0.1:port.
std::optional<int> connectTo(uint16_t port, Clock::time_point deadline, const std::string& source = "") {
  const std::string where = "127.0.0.1:" + std::to_string(port);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    tLastError = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
      tLastError = "bind to " + source + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      tLastError = "connect " + where + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (!waitFor(fd, POLLOUT, deadline, ("connecting to " + where).c_str())) {
      ::close(fd);
      return std::nullopt;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      tLastError = "connect " + where + ": " + std::strerror(err);
      ::close(fd);
      return std::nullopt;
    }
  }
  return fd;
}

// Sends everything; false on error or timeout (the server may have answered
// and closed early, so the caller still tries to read a response).
bool sendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd, POLLOUT, deadline, "sending the request")) return false;
      continue;
    }
    tLastError = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

enum class Parse { kNeedMore, kDone, kError };

// Parses a complete response out of `buf` (re-parsed from the start each
// time: test responses are small). `eof` says the peer closed.
Parse parseResponse(const std::string& buf, bool eof, bool head, HttpResult& out) {
  size_t pos = 0;
  size_t headerEnd = 0;
  for (;;) {  // skips interim 1xx responses
    headerEnd = buf.find("\r\n\r\n", pos);
    if (headerEnd == std::string::npos) {
      if (eof) tLastError = buf.empty() ? "connection closed without a response" : "truncated response headers";
      return eof ? Parse::kError : Parse::kNeedMore;
    }
    std::string_view statusLine(buf.data() + pos, buf.find("\r\n", pos) - pos);
    if (!statusLine.starts_with("HTTP/1.") || statusLine.size() < 12 || statusLine[8] != ' ') {
      tLastError = "malformed status line: " + std::string(statusLine.substr(0, 80));
      return Parse::kError;
    }
    int status = 0;
    auto [ptr, ec] = std::from_chars(statusLine.data() + 9, statusLine.data() + 12, status);
    if (ec != std::errc{} || ptr != statusLine.data() + 12 || status < 100) {
      tLastError = "malformed status line: " + std::string(statusLine.substr(0, 80));
      return Parse::kError;
    }
    out.status = status;
    out.headers.clear();
    size_t line = pos + statusLine.size() + 2;
    while (line < headerEnd) {
      size_t eol = buf.find("\r\n", line);
      std::string_view h(buf.data() + line, eol - line);
      line = eol + 2;
      const auto colon = h.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = lowerCase(trim(h.substr(0, colon)));
      std::string value(trim(h.substr(colon + 1)));
      auto [it, inserted] = out.headers.try_emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    pos = headerEnd + 4;
    if (status >= 200 || status == 101) break;
  }

  const size_t bodyStart = pos;
  out.body.clear();
  if (head || out.status == 204 || out.status == 304 || out.status == 101) return Parse::kDone;

  if (lowerCase(out.header("transfer-encoding")).find("chunked") != std::string::npos) {
    size_t p = bodyStart;
    for (;;) {
      const size_t eol = buf.find("\r\n", p);
      if (eol == std::string::npos) break;
      std::string_view sizeField(buf.data() + p, eol - p);
      sizeField = trim(sizeField.substr(0, sizeField.find(';')));
      size_t size = 0;
      auto [ptr, ec] = std::from_chars(sizeField.data(), sizeField.data() + sizeField.size(), size, 16);
      if (ec != std::errc{} || ptr != sizeField.data() + sizeField.size()) {
        tLastError = "malformed chunk size: " + std::string(sizeField.substr(0, 40));
        return Parse::kError;
      }
      p = eol + 2;
      if (size == 0) {
        // Trailers (usually none) end with an empty line.
        for (;;) {
          const size_t t = buf.find("\r\n", p);
          if (t == std::string::npos) break;
          if (t == p) return Parse::kDone;
          p = t + 2;
        }
        break;
      }
      if (buf.size() < p + size + 2) break;
      out.body.append(buf, p, size);
      p += size + 2;
    }
    if (eof) tLastError = "truncated chunked body";
    return eof ? Parse::kError : Parse::kNeedMore;
  }

  if (const std::string cl = out.header("content-length"); !cl.empty()) {
    size_t length = 0;
    auto [ptr, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), length);
    if (ec != std::errc{} || ptr != cl.data() + cl.size()) {
      tLastError = "malformed Content-Length: " + cl;
      return Parse::kError;
    }
    if (buf.size() - bodyStart >= length) {
      out.body = buf.substr(bodyStart, length);
      return Parse::kDone;
    }
    if (eof) tLastError = "body shorter than Content-Length " + cl;
    return eof ? Parse::kError : Parse::kNeedMore;
  }

  // No framing: the body runs until the server closes.
  if (!eof) return Parse::kNeedMore;
  out.body = buf.substr(bodyStart);
  return Parse::kDone;
}

// Reads one response from fd (sendError: why sending the request failed, if it did).
std::optional<HttpResult> readResponse(int fd, bool head, Clock::time_point deadline, const std::string& sendError) {
  std::string buf;
  HttpResult result;
  char chunk[16384];
  for (;;) {
    const Parse state = parseResponse(buf, false, head, result);
    if (state == Parse::kDone) return result;
    if (state == Parse::kError) return std::nullopt;
    if (!waitFor(fd, POLLIN, deadline, "waiting for the response")) {
      if (!sendError.empty()) tLastError = sendError + "; then " + tLastError;
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buf.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    // EOF, or a reset after the server said its piece: take what arrived.
    const std::string recvError = n < 0 ? std::string("recv: ") + std::strerror(errno) : "";
    if (parseResponse(buf, true, head, result) == Parse::kDone) return result;
    if (!recvError.empty()) tLastError = recvError + " (" + tLastError + ")";
    if (!sendError.empty()) tLastError = sendError + "; then " + tLastError;
    return std::nullopt;
  }
}

// The preamble of every exchange: forgets the last error, connects to 127.0.0.1:port within `timeout`, then
// runs talk(fd, deadline) on the connection, which is closed afterwards; nullopt if the connection fails.
template <class Talk>
auto onConnection(uint16_t port, std::chrono::milliseconds timeout, Talk talk, const std::string& source = "")
    -> decltype(talk(0, Clock::time_point{})) {
  tLastError.clear();
  const auto deadline = Clock::now() + timeout;
  auto fd = connectTo(port, deadline, source);
  if (!fd) return std::nullopt;
  Socket sock(*fd);
  return talk(sock.fd(), deadline);
}

std::optional<HttpResult> exchange(uint16_t port, std::string_view bytes, bool head, std::chrono::milliseconds timeout,
                                   const std::string& source = "") {
  return onConnection(
      port, timeout,
      [&](int fd, Clock::time_point deadline) {
        const bool sent = sendAll(fd, bytes, deadline);
        // No half-close after sending: nginx would take it for a client that gave up (499).
        return readResponse(fd, head, deadline, sent ? std::string() : tLastError);
      },
      source);
}

bool hasHeader(const Headers& headers, std::string_view name) {
  return std::ranges::any_of(headers, [&](const auto& h) { return lowerCase(h.first) == lowerCase(name); });
}

// The request's bytes; Host and Connection: close unless `headers` has them.
std::string buildRequest(uint16_t port, std::string_view method, std::string_view target, const Headers& headers,
                         std::string_view body) {
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!hasHeader(headers, "host")) req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (!hasHeader(headers, "connection")) req += "Connection: close\r\n";
  if (!body.empty() && !hasHeader(headers, "content-length") && !hasHeader(headers, "transfer-encoding")) {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
  req += "\r\n";
  req.append(body);
  return req;
}

}  // namespace

nlohmann::json HttpResult::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpResult::header(std::string_view name) const {
  auto it = headers.find(lowerCase(name));
  return it == headers.end() ? std::string() : it->second;
}

std::ostream& operator<<(std::ostream& os, const HttpResult& r) {
  os << r.status << ' ' << (r.body.size() > 2000 ? r.body.substr(0, 2000) + "..." : r.body);
  return os;
}

std::optional<HttpResult> request(uint16_t port, std::string_view method, std::string_view target,
                                  const Headers& headers, std::string_view body, std::chrono::milliseconds timeout) {
  return exchange(port, buildRequest(port, method, target, headers, body), method == "HEAD", timeout);
}

std::optional<HttpResult> requestFrom(const std::string& source, uint16_t port, std::string_view method,
                                      std::string_view target, const Headers& headers, std::string_view body,
                                      std::chrono::milliseconds timeout) {
  return exchange(port, buildRequest(port, method, target, headers, body), method == "HEAD", timeout, source);
}

std::optional<std::vector<HttpResult>> getOnOneConnection(uint16_t port, const std::vector<std::string>& targets,
                                                          const Headers& headers, std::chrono::milliseconds timeout) {
  Headers keepAlive = headers;
  keepAlive.emplace_back("Connection", "keep-alive");
  return onConnection(port, timeout, [&](int fd, Clock::time_point deadline) -> std::optional<std::vector<HttpResult>> {
    std::vector<HttpResult> answers;
    for (const auto& target : targets) {
      if (!sendAll(fd, buildRequest(port, "GET", target, keepAlive, ""), deadline)) return std::nullopt;
      auto r = readResponse(fd, false, deadline, "");
      if (!r) return std::nullopt;
      answers.push_back(std::move(*r));
    }
    return answers;
  });
}

std::optional<HttpResult> rawRequest(uint16_t port, std::string_view bytes, std::chrono::milliseconds timeout) {
  return exchange(port, bytes, bytes.starts_with("HEAD "), timeout);
}

std::optional<HttpResult> get(uint16_t port, std::string_view target, const Headers& headers) {
  return request(port, "GET", target, headers);
}

std::optional<HttpResult> postJson(uint16_t port, std::string_view target, const nlohmann::json& body,
                                   const Headers& headers) {
  Headers all = headers;
  if (!hasHeader(all, "content-type")) all.emplace_back("Content-Type", "application/json");
  return request(port, "POST", target, all, body.dump());
}

std::string lastError() { return tLastError; }

}  // namespace authd::testing
