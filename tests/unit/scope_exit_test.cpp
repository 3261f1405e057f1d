#include "core/scope_exit.hpp"

#include <gtest/gtest.h>

namespace authd {
namespace {

// Counts how often the guard ran; `stopEarly` takes an early return.
int runGuarded(int& runs, bool stopEarly, bool dismiss) {
  ScopeExit guard([&] { ++runs; });
  if (stopEarly) return 1;
  if (dismiss) guard.dismiss();
  return 2;
}

// The function runs once when the scope ends normally.
TEST(ScopeExitTest, RunsOnceAtTheEndOfTheScope) {
  int runs = 0;
  EXPECT_EQ(runGuarded(runs, false, false), 2);
  EXPECT_EQ(runs, 1);
}

// An early return runs it too, once.
TEST(ScopeExitTest, RunsOnceOnAnEarlyReturn) {
  int runs = 0;
  EXPECT_EQ(runGuarded(runs, true, false), 1);
  EXPECT_EQ(runs, 1);
}

// A dismissed guard does not run.
TEST(ScopeExitTest, DoesNotRunOnceDismissed) {
  int runs = 0;
  EXPECT_EQ(runGuarded(runs, false, true), 2);
  EXPECT_EQ(runs, 0);
}

// It runs while an exception leaves the scope.
TEST(ScopeExitTest, RunsWhenAnExceptionLeavesTheScope) {
  int runs = 0;
  try {
    ScopeExit guard([&] { ++runs; });
    throw 42;
  } catch (int) {
  }
  EXPECT_EQ(runs, 1);
}

// The guard runs after the return value is computed, so a return expression
// still sees the state the clean-up will undo.
TEST(ScopeExitTest, RunsAfterTheReturnValueIsComputed) {
  bool locked = true;
  auto f = [&] {
    ScopeExit unlock([&] { locked = false; });
    return locked;
  };
  EXPECT_TRUE(f());
  EXPECT_FALSE(locked);
}

}  // namespace
}  // namespace authd
