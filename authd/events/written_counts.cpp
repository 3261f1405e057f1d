#include "events/written_counts.hpp"

#include "events/event.hpp"

namespace authd::events {

WrittenCounts::WrittenCounts() {
  const auto known = subscribableTypes();
  static_assert(kSlots >= 2);
  size_t i = 0;
  for (; i < known.size() && i < kSlots - 2; ++i) names_[i] = known[i];
  names_[i] = type::kWebhookTest;
  names_[kSlots - 1] = "other";
}

void WrittenCounts::add(std::string_view t) {
  for (size_t i = 0; i + 1 < kSlots; ++i) {
    if (!names_[i].empty() && names_[i] == t) {
      counts_[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  counts_[kSlots - 1].fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::pair<std::string_view, uint64_t>> WrittenCounts::snapshot() const {
  std::vector<std::pair<std::string_view, uint64_t>> out;
  out.reserve(kSlots);
  for (size_t i = 0; i < kSlots; ++i) {
    if (!names_[i].empty()) out.emplace_back(names_[i], counts_[i].load(std::memory_order_relaxed));
  }
  return out;
}

}  // namespace authd::events
