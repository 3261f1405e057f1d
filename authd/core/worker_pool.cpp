#include "core/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace authd {

WorkerPool::WorkerPool(int threads, size_t maxQueue, int nice) : maxQueue_(maxQueue) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, nice] { loop(nice); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= maxQueue_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    threads.swap(threads_);  // exactly one caller joins them
  }
  cv_.notify_all();
  for (auto& t : threads) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    else if (t.joinable()) t.detach();
  }
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkerPool::loop(int nice) {
  // On Linux the nice value is per thread. Lowering one's own priority needs no privilege.
  if (nice > 0 && setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) != 0) {
    spdlog::warn("worker pool: could not set nice {}: {}", nice, std::strerror(errno));
  }
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("worker task threw: {}", e.what());
    } catch (...) {
      spdlog::error("worker task threw a non-exception");
    }
  }
}

}  // namespace authd
