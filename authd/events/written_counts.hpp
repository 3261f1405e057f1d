// How many events of each type this instance has written (committed), for the
// metric authd_events_written_total{type}. The stores that write events count
// them after their transaction commits; metrics reads the tally at scrape time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::events {

class WrittenCounts {
 public:
  WrittenCounts();
  // One more committed event of `type` (a type outside type:: counts as "other").
  void add(std::string_view type);
  // Every type's count so far (every known type, zeros included, then "other"), in a stable order.
  std::vector<std::pair<std::string_view, uint64_t>> snapshot() const;

 private:
  static constexpr size_t kSlots = 24;  // the subscribable types, webhook.test and "other"
  std::array<std::string_view, kSlots> names_{};
  std::array<std::atomic<uint64_t>, kSlots> counts_{};
};

}  // namespace authd::events
