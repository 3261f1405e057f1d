#include "core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

namespace authd {
namespace {

using namespace std::chrono_literals;

// Occupies `workers` threads of `pool` until release(), so that later submissions
// stay queued. Returns once every worker is inside a blocker. Declare it after the
// pool and stop the pool before it goes out of scope, so no worker still uses it.
class Blocker {
 public:
  Blocker(WorkerPool& pool, int workers) : started_(workers) {
    for (int i = 0; i < workers; ++i) {
      const bool accepted = pool.submit([this] {
        started_.count_down();
        release_.wait();
      });
      EXPECT_TRUE(accepted);
      if (!accepted) started_.count_down();  // do not hang the test
    }
    started_.wait();
  }
  ~Blocker() { release(); }
  void release() {
    if (!released_.exchange(true)) release_.count_down();
  }

 private:
  std::latch started_;
  std::latch release_{1};
  std::atomic<bool> released_{false};
};

// The workers run at the nice value asked for; the submitting thread keeps its own.
TEST(WorkerPoolTest, WorkersRunAtTheirNiceValue) {
  const int mine = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  WorkerPool pool(2, 10, 19);  // 19, the lowest priority, is allowed from any nice value
  std::atomic<int> seen{-100};
  std::latch done(1);
  ASSERT_TRUE(pool.submit([&] {
    seen = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    done.count_down();
  }));
  done.wait();
  EXPECT_EQ(seen.load(), 19);
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), mine);
}

// Tasks run, on threads other than the submitter, spread over the pool's threads.
TEST(WorkerPoolTest, RunsTasksOnOtherThreads) {
  WorkerPool pool(2, 100);
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::latch done(2);
  std::latch bothRunning(2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.submit([&] {
      {
        std::lock_guard lock(mu);
        ids.insert(std::this_thread::get_id());
      }
      bothRunning.arrive_and_wait();  // only possible if two threads run at once
      done.count_down();
    }));
  }
  done.wait();
  pool.stop();  // join before the latches above go out of scope
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_FALSE(ids.contains(std::this_thread::get_id()));
}

// Every accepted task runs exactly once.
TEST(WorkerPoolTest, RunsEveryAcceptedTask) {
  std::atomic<int> count{0};
  {
    WorkerPool pool(3, 1000);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.submit([&] { ++count; }));
    pool.stop();
  }
  EXPECT_EQ(count.load(), 500);
}

// With the workers busy, the queue takes exactly maxQueue tasks and refuses the next.
TEST(WorkerPoolTest, BoundedQueueRefusesWhenFull) {
  WorkerPool pool(2, 3);
  std::atomic<int> ran{0};
  Blocker blocker(pool, 2);
  EXPECT_EQ(pool.queued(), 0u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pool.submit([&] { ++ran; })) << i;
  EXPECT_EQ(pool.queued(), 3u);
  EXPECT_FALSE(pool.submit([&] { ran += 100; }));
  EXPECT_EQ(pool.queued(), 3u);
  blocker.release();
  pool.stop();
  EXPECT_EQ(ran.load(), 3);  // the refused task never ran
}

// A pool with a zero-length queue refuses everything.
TEST(WorkerPoolTest, ZeroQueueRefusesAll) {
  WorkerPool pool(1, 0);
  bool ran = false;
  EXPECT_FALSE(pool.submit([&] { ran = true; }));
  pool.stop();
  EXPECT_FALSE(ran);
}

// stop() runs the tasks still queued when it is called before joining.
TEST(WorkerPoolTest, StopDrainsQueuedTasks) {
  WorkerPool pool(1, 1'000'000);
  std::atomic<int> ran{0};
  Blocker blocker(pool, 1);
  int accepted = 0;
  for (int i = 0; i < 5; ++i) accepted += pool.submit([&] { ++ran; }) ? 1 : 0;
  ASSERT_EQ(accepted, 5);
  std::thread stopper([&] { pool.stop(); });
  // Keep submitting until stop() has begun (submit refuses); count what was accepted.
  while (pool.submit([&] { ++ran; })) {
    ++accepted;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_GE(pool.queued(), 5u);  // still queued: the worker is blocked
  blocker.release();
  stopper.join();
  EXPECT_EQ(ran.load(), accepted);
  EXPECT_EQ(pool.queued(), 0u);
}

// After stop(), submit refuses and the task never runs.
TEST(WorkerPoolTest, SubmitAfterStopRefuses) {
  WorkerPool pool(2, 10);
  pool.stop();
  std::atomic<bool> ran{false};
  EXPECT_FALSE(pool.submit([&] { ran = true; }));
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(pool.queued(), 0u);
}

// stop() may be called again, and the destructor after it, without hanging or crashing.
TEST(WorkerPoolTest, StopIsIdempotent) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, 10);
    ASSERT_TRUE(pool.submit([&] { ++ran; }));
    pool.stop();
    pool.stop();
    pool.stop();
    EXPECT_FALSE(pool.submit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 1);
}

// The destructor alone stops the pool and still runs what was queued.
TEST(WorkerPoolTest, DestructorDrains) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(1, 100);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(pool.submit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
}  // namespace authd
