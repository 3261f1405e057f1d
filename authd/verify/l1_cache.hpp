// The in-process cache in front of Redis and PostgreSQL on the /verify hot
// path. Sharded so two I/O threads rarely contend on one mutex; each shard is
// an LRU (intrusive list through the map's nodes: one allocation per insert,
// none per hit). Entries carry a deadline so a stale answer cannot outlive
// its TTL even if an invalidation message is lost; revocations erase.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/string_hash.hpp"

namespace authd::verify {

template <typename V>
class L1Cache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `capacity` bounds the total entry count (0 disables caching); shards are
  // reduced so that each one holds at least one entry.
  explicit L1Cache(size_t capacity, size_t shards = 16)
      : capacity_(capacity),
        shardCount_(std::max<size_t>(1, std::min(shards, capacity))),
        shards_(std::make_unique<Shard[]>(shardCount_)) {
    // Spread the remainder so the per-shard caps add up to exactly `capacity`.
    for (size_t i = 0; i < shardCount_; ++i) {
      shards_[i].cap = capacity / shardCount_ + (i < capacity % shardCount_ ? 1 : 0);
    }
  }

  L1Cache(const L1Cache&) = delete;
  L1Cache& operator=(const L1Cache&) = delete;

  // Value if present and not past its deadline (steady_clock time passed in, for testability).
  std::optional<V> get(std::string_view key, TimePoint now) {
    Shard& s = shardFor(key);
    std::lock_guard lock(s.mu);
    const auto it = s.map.find(key);
    if (it == s.map.end()) return std::nullopt;
    Node& n = it->second;
    if (n.deadline <= now) {
      // Expired entries are dropped on sight so they stop occupying capacity.
      s.unlink(&n);
      s.map.erase(it);
      return std::nullopt;
    }
    s.unlink(&n);
    s.pushFront(&n);
    return n.value;
  }

  // Inserts or replaces with an expiry deadline; evicts the shard's least recently used entry when over its cap.
  void put(std::string key, V value, TimePoint deadline) {
    Shard& s = shardFor(key);
    std::lock_guard lock(s.mu);
    if (s.cap == 0) return;
    if (const auto it = s.map.find(std::string_view(key)); it != s.map.end()) {
      Node& n = it->second;
      n.value = std::move(value);
      n.deadline = deadline;
      s.unlink(&n);
      s.pushFront(&n);
      return;
    }
    const auto it = s.map.emplace(std::move(key), Node{std::move(value), deadline}).first;
    // Map nodes never move (rehash keeps references valid), so the list can
    // point straight at them and at their keys.
    it->second.key = &it->first;
    s.pushFront(&it->second);
    if (s.map.size() > s.cap) {
      Node* victim = s.tail;
      s.unlink(victim);
      s.map.erase(s.map.find(std::string_view(*victim->key)));
    }
  }

  // Removes one entry (revocation); returns whether it was there.
  bool erase(std::string_view key) {
    Shard& s = shardFor(key);
    std::lock_guard lock(s.mu);
    const auto it = s.map.find(key);
    if (it == s.map.end()) return false;
    s.unlink(&it->second);
    s.map.erase(it);
    return true;
  }

  // Removes everything (e.g. after losing the invalidation channel).
  void clear() {
    for (size_t i = 0; i < shardCount_; ++i) {
      Shard& s = shards_[i];
      std::lock_guard lock(s.mu);
      s.map.clear();
      s.head = s.tail = nullptr;
    }
  }

  // Entry count; a sum of per-shard snapshots, never above capacity.
  size_t size() const {
    size_t total = 0;
    for (size_t i = 0; i < shardCount_; ++i) {
      const Shard& s = shards_[i];
      std::lock_guard lock(s.mu);
      total += s.map.size();
    }
    return total;
  }

  // The bound given at construction.
  size_t capacity() const { return capacity_; }

 private:
  struct Node {
    V value;
    TimePoint deadline;
    Node* prev = nullptr;  // towards the most recently used
    Node* next = nullptr;  // towards the least recently used
    const std::string* key = nullptr;
  };

  // Cache-line aligned so two threads working on neighbouring shards don't
  // false-share the mutexes.
  struct alignas(64) Shard {
    mutable std::mutex mu;
    StringMap<Node> map;  // transparent: lookups by string_view build no std::string
    Node* head = nullptr;
    Node* tail = nullptr;
    size_t cap = 0;

    void pushFront(Node* n) {
      n->prev = nullptr;
      n->next = head;
      if (head) head->prev = n;
      head = n;
      if (!tail) tail = n;
    }

    void unlink(Node* n) {
      (n->prev ? n->prev->next : head) = n->next;
      (n->next ? n->next->prev : tail) = n->prev;
      n->prev = n->next = nullptr;
    }
  };

  Shard& shardFor(std::string_view key) const {
    // Re-mix before reducing: the shard's own map buckets on the same hash,
    // and correlated low bits would leave buckets empty.
    const uint64_t h = static_cast<uint64_t>(StringHash{}(key)) * 0x9E3779B97F4A7C15ull;
    return shards_[static_cast<size_t>(h >> 32) % shardCount_];
  }

  const size_t capacity_;
  const size_t shardCount_;
  const std::unique_ptr<Shard[]> shards_;
};

}  // namespace authd::verify
