#include "core/lease_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace authd {
namespace {

using namespace std::chrono_literals;

// Stands in for a database connection: an id to tell connections apart and a
// flag the pool's reusable check reads.
struct FakeConn {
  int id = 0;
  bool usable = true;
};

using Pool = LeasePool<FakeConn>;

// Opens FakeConns with increasing ids, or fails (or throws) on demand, and
// counts how often it was asked.
struct FakeServer {
  int connects = 0;
  bool down = false;
  bool throws = false;

  Result<std::unique_ptr<FakeConn>> connect() {
    ++connects;
    if (throws) throw std::runtime_error("connect threw");
    if (down) return fail(Code::kCacheUnavailable, "server down");
    return std::make_unique<FakeConn>(FakeConn{connects, true});
  }
};

Pool::Options optionsFor(FakeServer& server, int size, std::chrono::milliseconds timeout = 5ms) {
  Pool::Options o;
  o.size = size;
  o.acquireTimeout = timeout;
  o.exhausted = Error(Code::kDatabaseUnavailable, "pool exhausted");
  o.connect = [&server] { return server.connect(); };
  o.reusable = [](const FakeConn& c) { return c.usable; };
  return o;
}

// The lease of a successful acquire, held so that a test can end it with reset().
// (On the heap: GCC 12 sees a maybe-uninitialized Lease inside a returned std::optional.)
std::unique_ptr<Pool::Lease> take(Result<Pool::Lease> r) {
  if (!r) {
    ADD_FAILURE() << "acquire failed: " << codeName(r.error().code) << " " << r.error().message;
    return nullptr;
  }
  return std::make_unique<Pool::Lease>(std::move(*r));
}

// A returned connection is lent again, not reopened; only the first lease is fresh.
TEST(LeasePoolTest, ReusesAReturnedConnection) {
  FakeServer server;
  Pool pool(optionsFor(server, 2));
  int firstId = 0;
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    EXPECT_TRUE(lease->fresh());
    firstId = lease->conn().id;
  }
  auto again = pool.acquire();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->fresh());
  EXPECT_EQ(again->conn().id, firstId);
  EXPECT_EQ(server.connects, 1);
  EXPECT_EQ(pool.open(), 1);
}

// The pool never opens more than `size` connections; one more acquire waits,
// is counted, and gives up after the timeout with the configured error.
TEST(LeasePoolTest, IsBoundedAndTimesOutWhenExhausted) {
  FakeServer server;
  Pool pool(optionsFor(server, 2, 5ms));
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->conn().id, b->conn().id);
  EXPECT_EQ(pool.open(), 2);
  EXPECT_EQ(pool.waits(), 0u);

  auto c = pool.acquire();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Code::kDatabaseUnavailable);
  EXPECT_EQ(c.error().message, "pool exhausted");
  EXPECT_EQ(pool.waits(), 1u);
  EXPECT_EQ(server.connects, 2) << "an exhausted pool must not dial";
  EXPECT_EQ(pool.open(), 2);
}

// An acquire waiting on a full pool gets the connection as soon as it comes back.
TEST(LeasePoolTest, AWaiterGetsTheReturnedConnection) {
  FakeServer server;
  Pool pool(optionsFor(server, 1, 30s));  // the timeout only bounds a broken test
  auto held = take(pool.acquire());
  ASSERT_TRUE(held);
  const int heldId = held->conn().id;

  auto waiter = std::async(std::launch::async, [&] {
    auto lease = pool.acquire();
    return lease ? lease->conn().id : -1;
  });
  // waits() is counted under the pool's lock right before the waiter sleeps,
  // so once it shows, the return below cannot be missed.
  while (pool.waits() == 0) std::this_thread::yield();
  held.reset();

  EXPECT_EQ(waiter.get(), heldId);
  EXPECT_EQ(pool.waits(), 1u);
  EXPECT_EQ(server.connects, 1);
}

// A lease marked broken is dropped with every idle connection (a server
// restart killed them all), and the next acquire connects anew.
TEST(LeasePoolTest, DropsABrokenLeaseWithTheIdleOnesAndReconnects) {
  FakeServer server;
  Pool pool(optionsFor(server, 3));
  auto a = take(pool.acquire());
  ASSERT_TRUE(a);
  {
    auto b = pool.acquire();
    auto c = pool.acquire();
    ASSERT_TRUE(b);
    ASSERT_TRUE(c);
  }  // two idle now
  ASSERT_EQ(pool.open(), 3);

  a->markBroken();
  EXPECT_TRUE(a->broken());
  a.reset();
  EXPECT_EQ(pool.open(), 0);

  auto fresh = pool.acquire();
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->fresh());
  EXPECT_EQ(fresh->conn().id, 4);
  EXPECT_EQ(pool.open(), 1);
}

// A connection that reports itself unusable when returned is dropped like a broken one.
TEST(LeasePoolTest, DropsAConnectionThatIsNoLongerReusable) {
  FakeServer server;
  Pool pool(optionsFor(server, 2));
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    lease->conn().usable = false;
  }
  EXPECT_EQ(pool.open(), 0);
  auto next = pool.acquire();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->fresh());
  EXPECT_EQ(server.connects, 2);
}

// Without a reusable check every returned connection goes back to the idle list.
TEST(LeasePoolTest, WithoutAReusableCheckKeepsEveryReturnedConnection) {
  FakeServer server;
  auto options = optionsFor(server, 1);
  options.reusable = nullptr;
  Pool pool(std::move(options));
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    lease->conn().usable = false;
  }
  EXPECT_EQ(pool.open(), 1);
  auto again = pool.acquire();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->fresh());
}

// A failed connect returns its error and gives the slot back, so a pool of one
// connects again on the next call.
TEST(LeasePoolTest, AFailedConnectReturnsItsErrorAndFreesTheSlot) {
  FakeServer server;
  Pool pool(optionsFor(server, 1));
  server.down = true;
  auto failed = pool.acquire();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Code::kCacheUnavailable);
  EXPECT_EQ(failed.error().message, "server down");
  EXPECT_EQ(pool.open(), 0);

  auto again = pool.acquire();  // no back-off configured: dials again
  ASSERT_FALSE(again);
  EXPECT_EQ(server.connects, 2);

  server.down = false;
  auto up = pool.acquire();
  ASSERT_TRUE(up);
  EXPECT_EQ(pool.open(), 1);
  EXPECT_EQ(pool.waits(), 0u) << "a failed connect must not leave the slot taken";
}

// A connect that throws still gives its slot back.
TEST(LeasePoolTest, AThrowingConnectFreesTheSlot) {
  FakeServer server;
  Pool pool(optionsFor(server, 1));
  server.throws = true;
  EXPECT_THROW((void)pool.acquire(), std::runtime_error);
  EXPECT_EQ(pool.open(), 0);
  server.throws = false;
  EXPECT_TRUE(pool.acquire());
}

// With a back-off, the calls after a failed connect fail fast with the same
// error without dialling; idle connections are still lent meanwhile.
TEST(LeasePoolTest, BacksOffAfterAFailedConnect) {
  FakeServer server;
  auto options = optionsFor(server, 2);
  options.backoff = std::chrono::hours(1);
  Pool pool(std::move(options));
  ASSERT_TRUE(pool.acquire());  // leaves one idle connection
  ASSERT_EQ(server.connects, 1);

  server.down = true;
  auto held = take(pool.acquire());  // the idle connection: no dial
  ASSERT_TRUE(held);
  auto failed = pool.acquire();
  ASSERT_FALSE(failed);
  EXPECT_EQ(server.connects, 2);

  auto fast = pool.acquire();
  ASSERT_FALSE(fast);
  EXPECT_EQ(fast.error().code, Code::kCacheUnavailable);
  EXPECT_EQ(fast.error().message, "server down");
  EXPECT_EQ(server.connects, 2) << "dialled during the back-off";
  EXPECT_EQ(pool.open(), 1);

  held.reset();  // back to the idle list
  auto idle = pool.acquire();
  ASSERT_TRUE(idle) << "an idle connection must be lent during the back-off";
  EXPECT_FALSE(idle->fresh());
}

// A readiness probe dials even during the back-off: a server back up is seen at once, not after the back-off.
TEST(LeasePoolTest, AProbeDialsDuringTheBackOff) {
  FakeServer server;
  auto options = optionsFor(server, 2);
  options.backoff = std::chrono::hours(1);
  Pool pool(std::move(options));
  server.down = true;
  ASSERT_FALSE(pool.acquire());
  ASSERT_EQ(server.connects, 1);
  server.down = false;  // back up within the back-off
  EXPECT_FALSE(pool.acquire()) << "the request path keeps failing fast";
  EXPECT_EQ(server.connects, 1);
  auto probe = pool.acquire(Pool::Dial::kAlways);
  ASSERT_TRUE(probe);
  EXPECT_EQ(server.connects, 2);
}

// A moved lease returns its connection once, from where it ended up.
TEST(LeasePoolTest, AMovedLeaseReturnsOnce) {
  FakeServer server;
  Pool pool(optionsFor(server, 2));
  {
    auto lease = take(pool.acquire());
    ASSERT_TRUE(lease);
    std::vector<Pool::Lease> kept;
    kept.push_back(std::move(*lease));
    lease.reset();  // the moved-from lease ends here: nothing to return
    EXPECT_EQ(pool.open(), 1);
  }
  EXPECT_EQ(pool.open(), 1);
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(a->fresh());
  EXPECT_TRUE(b->fresh()) << "the connection came back twice";
}

// Many threads sharing a small pool never see more than `size` connections
// open, and every acquire succeeds when the timeout is generous.
TEST(LeasePoolTest, StaysBoundedUnderConcurrency) {
  FakeServer server;
  std::mutex serverMu;
  auto options = optionsFor(server, 2, 30s);
  options.connect = [&] {
    std::lock_guard lock(serverMu);
    return server.connect();
  };
  Pool pool(std::move(options));
  std::atomic<int> lent{0};
  std::atomic<int> maxLent{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto lease = pool.acquire();
        if (!lease) {
          ++failures;
          continue;
        }
        const int now = ++lent;
        int seen = maxLent.load();
        while (now > seen && !maxLent.compare_exchange_weak(seen, now)) {
        }
        --lent;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(maxLent.load(), 2);
  EXPECT_LE(pool.open(), 2);
  EXPECT_LE(server.connects, 2);
}

}  // namespace
}  // namespace authd
