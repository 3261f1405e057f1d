// The "Pistache handler that does nothing" reference of shared/PERF.md: an empty
// 200 for every request, the same endpoint options authd uses, no log, no metrics.
//   bench_pistache_noop PORT [THREADS]
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace {

class Noop final : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(Noop)
  void onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter writer) override {
    writer.send(Pistache::Http::Code::Ok);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_pistache_noop PORT [THREADS]\n";
    return 2;
  }
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Pistache::Http::Endpoint endpoint(Pistache::Address("127.0.0.1", Pistache::Port(std::atoi(argv[1]))));
  endpoint.init(Pistache::Http::Endpoint::options().threads(threads).flags(Pistache::Tcp::Options::ReuseAddr));
  endpoint.setHandler(Pistache::Http::make_handler<Noop>());
  endpoint.serveThreaded();
  int sig = 0;
  sigwait(&signals, &sig);
  endpoint.shutdown();
  return 0;
}
