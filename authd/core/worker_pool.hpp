// A fixed pool of threads for blocking work (argon2, SQL writes), so that
// Pistache's I/O threads never wait on them. The queue is bounded: when it is
// full, submit() refuses and the caller answers 503 instead of piling up.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace authd {

class WorkerPool {
 public:
  // `nice`: the threads' nice value (0-19). Above 0, their CPU-bound work (argon2)
  // yields to the HTTP I/O threads when the CPU is contended.
  WorkerPool(int threads, size_t maxQueue, int nice = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a task; false when the queue is full or the pool is stopping.
  bool submit(std::function<void()> task);
  // Runs every queued task, then joins the threads. Idempotent.
  void stop();
  // Tasks queued and not yet started.
  size_t queued() const;

 private:
  void loop(int nice);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t maxQueue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace authd
