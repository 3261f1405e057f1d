#include "support/loopback_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace authd::testing {
namespace {

constexpr size_t kMaxHead = 64 << 10;

bool sendAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

LoopbackReceiver::LoopbackReceiver(Answer answer) : answer_(std::move(answer)) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) throw std::runtime_error("receiver: socket failed");
  const int one = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listenFd_, 128) != 0) {
    ::close(listenFd_);
    throw std::runtime_error("receiver: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

LoopbackReceiver::~LoopbackReceiver() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> handlers;
  {
    std::lock_guard lock(mu_);
    handlers.swap(handlers_);
  }
  for (auto& t : handlers) t.join();
  ::close(listenFd_);
}

std::string LoopbackReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedRequest> LoopbackReceiver::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void LoopbackReceiver::acceptLoop() {
  while (!stopping_) {
    pollfd p{listenFd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mu_);
    handlers_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

void LoopbackReceiver::serve(int fd) {
  // Waits for bytes in slices, so that the destructor is never held for long.
  const auto readSome = [&](std::string& into) {
    for (int waited = 0; waited < 5000 && !stopping_; waited += 20) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[16384];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      into.append(buf, static_cast<size_t>(n));
      return true;
    }
    return false;
  };
  std::string data;
  size_t headEnd;
  while ((headEnd = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > kMaxHead || !readSome(data)) return;
  }
  ReceivedRequest req;
  size_t lineStart = 0;
  bool first = true;
  while (lineStart < headEnd) {
    const size_t lineEnd = data.find("\r\n", lineStart);
    const std::string line = data.substr(lineStart, lineEnd - lineStart);
    lineStart = lineEnd + 2;
    if (first) {
      const auto sp1 = line.find(' ');
      const auto sp2 = line.find(' ', sp1 + 1);
      req.method = line.substr(0, sp1);
      req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      first = false;
    } else if (const auto colon = line.find(':'); colon != std::string::npos) {
      req.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
    }
  }
  const size_t length = req.headers.contains("content-length") ? std::stoul(req.headers["content-length"]) : 0;
  req.body = data.substr(headEnd + 4);
  while (req.body.size() < length) {
    if (!readSome(req.body)) return;
  }
  req.body.resize(length);
  {
    std::lock_guard lock(mu_);
    requests_.push_back(req);
  }
  const ReceiverAnswer a = answer_ ? answer_(req) : ReceiverAnswer{};
  const auto pause = [this](std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  pause(a.delay);
  std::string head = "HTTP/1.1 " + std::to_string(a.status) + " Test\r\nConnection: close\r\nContent-Length: " +
                     std::to_string(a.contentLength >= 0 ? a.contentLength : static_cast<int64_t>(a.body.size())) +
                     "\r\n";
  for (const auto& [name, value] : a.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  if (!sendAll(fd, head.data(), head.size())) return;
  if (!sendAll(fd, a.body.data(), a.body.size())) ++truncated_;
  pause(a.holdOpen);
}

}  // namespace authd::testing
