// The Pistache edge: turns Pistache requests into HttpRequest, runs the
// routed handler inline or on the worker pool, writes the HttpResponse and
// one log line. Pistache is included only in server.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/worker_pool.hpp"
#include "http/router.hpp"

namespace authd::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8081;
  int threads = 2;
  size_t maxBodyBytes = 1 << 20;                   // larger bodies answer 413 (JSON)
  size_t maxRequestSize = (1 << 20) + (64 << 10);  // Pistache's own buffer: headers + body
  std::chrono::milliseconds headerTimeout{10'000};
  std::chrono::milliseconds bodyTimeout{10'000};
  std::chrono::milliseconds keepaliveTimeout{75'000};
  bool jsonLogs = false;  // access log lines as JSON fields
};

// Called once per answered request (metrics); must be cheap and thread-safe.
using RequestObserver =
    std::function<void(const HttpRequest&, const Route*, const HttpResponse&, std::chrono::nanoseconds)>;

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router, WorkerPool& workers, RequestObserver observer = {});
  ~HttpServer();
  // Binds and starts serving on background threads; throws if the port is taken.
  void start();
  // Stops accepting and closes connections. Idempotent.
  void stop();
  // Requests handed to the worker pool and not yet answered.
  int64_t inFlight() const;

  struct Impl;  // defined in server.cpp, with the Pistache types

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace authd::http
