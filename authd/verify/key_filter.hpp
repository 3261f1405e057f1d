// The first 64 bits of every stored key hash, in memory (8 bytes a key: 8 MB
// for a million). A well-formed key whose hash is not here does not exist, so
// a key-guessing flood is answered without touching Redis or PostgreSQL.
// Kept current by key creation and the invalidation bus.
#pragma once

#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace authd::verify {

class KeyFilter {
 public:
  // The filter's view of a key hash: its first 16 hex digits.
  static uint64_t prefixOf(std::string_view hashHex);
  // Replaces the contents with every stored key's prefix; marks the filter usable.
  void load(std::vector<uint64_t> prefixes);
  // Adds one key (created here or announced by another instance).
  void add(uint64_t prefix);
  // False only when no stored key has this prefix.
  bool mayContain(uint64_t prefix) const;
  // Whether load() has completed (until then every lookup must go to the stores).
  bool loaded() const { return loaded_.load(std::memory_order_acquire); }
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::vector<uint64_t> sorted_;         // bulk-loaded, binary-searched
  std::unordered_set<uint64_t> recent_;  // added since the load
  std::atomic<bool> loaded_{false};
};

}  // namespace authd::verify
