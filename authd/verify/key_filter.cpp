#include "verify/key_filter.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

namespace authd::verify {

uint64_t KeyFilter::prefixOf(std::string_view hashHex) {
  uint64_t v = 0;
  const auto n = std::min<size_t>(16, hashHex.size());
  std::from_chars(hashHex.data(), hashHex.data() + n, v, 16);
  return v;
}

void KeyFilter::load(std::vector<uint64_t> prefixes) {
  std::ranges::sort(prefixes);
  std::unique_lock lock(mu_);
  // Keep what was added while loading: those keys are newer than the snapshot.
  sorted_ = std::move(prefixes);
  loaded_.store(true, std::memory_order_release);
}

void KeyFilter::add(uint64_t prefix) {
  std::unique_lock lock(mu_);
  if (!std::ranges::binary_search(sorted_, prefix)) recent_.insert(prefix);
}

bool KeyFilter::mayContain(uint64_t prefix) const {
  std::shared_lock lock(mu_);
  return std::ranges::binary_search(sorted_, prefix) || recent_.contains(prefix);
}

size_t KeyFilter::size() const {
  std::shared_lock lock(mu_);
  return sorted_.size() + recent_.size();
}

}  // namespace authd::verify
