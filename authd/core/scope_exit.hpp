// Runs a function when the scope ends, on every return path, unless
// dismissed: one place for clean-up that several early returns share
// (releasing a lock, giving back a reserved slot).
#pragma once

#include <type_traits>
#include <utility>

namespace authd {

template <typename F>
class [[nodiscard]] ScopeExit {
 public:
  explicit ScopeExit(F fn) noexcept(std::is_nothrow_move_constructible_v<F>) : fn_(std::move(fn)) {}
  ~ScopeExit() {
    if (armed_) fn_();
  }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ScopeExit(ScopeExit&&) = delete;
  ScopeExit& operator=(ScopeExit&&) = delete;

  // The function will not run: the clean-up is not wanted on this path.
  void dismiss() noexcept { armed_ = false; }

 private:
  F fn_;
  bool armed_ = true;
};

}  // namespace authd
