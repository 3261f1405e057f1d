// A tiny HTTP/1.1 server on 127.0.0.1 for tests of outgoing requests (webhook
// delivery): it records every request (method, target, headers, body) and
// answers each with what the test's function says, one connection per request
// (Connection: close), each on a thread of its own so that a held answer does
// not block the others. Plain sockets: nothing of authd's is used to receive.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace authd::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lowerName) const {
    const auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ReceiverAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // Content-Length as sent (-1: the body's size); a larger one with holdOpen promises bytes that never come.
  int64_t contentLength = -1;
  std::chrono::milliseconds delay{0};     // before anything is written (a slow receiver)
  std::chrono::milliseconds holdOpen{0};  // after the answer, before the connection closes
};

class LoopbackReceiver {
 public:
  using Answer = std::function<ReceiverAnswer(const ReceivedRequest&)>;
  // Listens on an ephemeral loopback port; `answer` empty: 200 with an empty body.
  explicit LoopbackReceiver(Answer answer = {});
  ~LoopbackReceiver();
  LoopbackReceiver(const LoopbackReceiver&) = delete;
  LoopbackReceiver& operator=(const LoopbackReceiver&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  std::string url(const std::string& path = "/hook") const;
  // Every complete request so far, in arrival order.
  std::vector<ReceivedRequest> requests() const;
  // Connections accepted (a refused-before-connect client makes none).
  int connections() const { return connections_.load(); }
  // Whether writing an answer's body failed part-way (the client closed early).
  int truncatedWrites() const { return truncated_.load(); }

 private:
  void acceptLoop();
  void serve(int fd);

  Answer answer_;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> truncated_{0};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::vector<std::thread> handlers_;
  std::thread acceptor_;
};

}  // namespace authd::testing
