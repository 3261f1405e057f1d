// API key hash → what /verify needs to know about the key. Lookup order:
// L1 (in process) → key filter (in memory: a miss means the key is not in
// PostgreSQL, so only Redis is asked, where a key created a moment ago on
// another instance already is) → L2 (Redis) → PostgreSQL. Entries are fresh
// for a while, then re-checked; while the stores are down a stale entry is
// served rather than failing every request. Changes evict all tiers, and a
// copy older than a change this instance heard of is never cached again (a
// lookup that read the row just before the change committed, here or on
// another instance, cannot put the old scopes back).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/changes.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "keys/key_store.hpp"
#include "verify/key_filter.hpp"
#include "verify/l1_cache.hpp"

namespace authd::verify {

// The immutable facts about a key that a verification uses.
struct KeyInfo {
  std::string id;
  std::string userId;
  std::vector<std::string> scopes;
  std::string scopesHeader;  // scopes joined with ','
  std::optional<keys::RateLimit> rateLimit;
  bool isActive = true;      // false once revoked
  bool enabled = true;       // false while disabled
  int64_t expiresAtMs = -1;  // -1: never
  int64_t version = 0;       // keys::KeyRecord::version
  // Credits as PostgreSQL last had them (keys::KeyRecord): what Redis is seeded with when it has no
  // copy of this grant (creditsVersion) yet. nullopt: unlimited, no Redis round trip.
  std::optional<keys::Credits> credits;
  int64_t creditsVersion = 0;
  int64_t creditsPeriod = 0;
};

std::shared_ptr<const KeyInfo> toKeyInfo(const keys::KeyRecord& r);

// The shared second tier (Redis in production).
class KeyL2 {
 public:
  virtual ~KeyL2() = default;
  // nullopt: not cached; a null pointer: cached as "no such key".
  virtual Result<std::optional<std::shared_ptr<const KeyInfo>>> get(std::string_view hash) = 0;
  // Caches a key (or its absence, info == nullptr) for `ttl`.
  virtual Status put(std::string_view hash, const std::shared_ptr<const KeyInfo>& info, std::chrono::seconds ttl) = 0;
  // Forgets a key.
  virtual Status erase(std::string_view hash) = 0;
  // Forgets every key (after a bulk change).
  virtual Status clear() = 0;
};

struct KeyCacheOptions {
  size_t capacity = 100'000;                // L1 entries
  std::chrono::milliseconds fresh{60'000};  // L1 positive freshness
  std::chrono::milliseconds negativeFresh{5'000};
  std::chrono::milliseconds staleMax{3'600'000};  // serve stale this long while the stores are down
  std::chrono::seconds l2Ttl{300};
  std::chrono::seconds l2NegativeTtl{30};
  // Keys the filter and Redis both said are absent, remembered apart from L1 so a
  // key-guessing flood cannot push real keys out of L1.
  size_t absentCapacity = 65'536;
  std::chrono::milliseconds absentFresh{60'000};  // forgotten at once when a key with that hash is created
  // Keys changed lately, with the version each change announced: an older copy of such a key, read
  // from Redis or PostgreSQL while the change was committing, is never cached.
  size_t changedCapacity = 65'536;
};

// Where a lookup was answered, for metrics.
enum class KeyTier { kFilter, kL1, kL2, kDatabase, kStale };

struct LookupResult {
  std::shared_ptr<const KeyInfo> info;  // null: no such key
  KeyTier tier;
};

class KeyCache final : public ChangeListener {
 public:
  // `busLive` says whether invalidations are arriving in real time (pub/sub up): only then
  // may a key-filter miss be trusted without asking the stores.
  KeyCache(keys::KeyLookup& store, KeyL2& l2, const Clock& clock, KeyCacheOptions options,
           std::function<bool()> busLive);

  // Finds the key by hash; errors only when the stores are down and nothing (even stale) is known.
  Result<LookupResult> lookup(std::string_view hash);
  // A key just created here: known at once to this instance, the L2 and the filter.
  void remember(std::string_view hash, const keys::KeyRecord& record);
  using FilterScan = std::function<Status(const std::function<void(uint64_t)>&)>;
  // Loads the key filter with `scan` (at start); the scan is kept for reloads after bulk changes.
  Status loadFilter(FilterScan scan);
  // kKeyChanged: evict L1 and L2 and note the hash in the filter (it may be new);
  // kKeyCreated: note it in the filter; kBulkReload: drop L1 and L2, reload the filter.
  void onChange(const Change& change) override;

  const KeyFilter& filter() const { return filter_; }

 private:
  struct Entry {
    std::shared_ptr<const KeyInfo> info;
    SteadyTime freshUntil;
  };
  void store(std::string_view hash, const std::shared_ptr<const KeyInfo>& info, SteadyTime now);
  // True when a change newer than `info` was heard for `hash`.
  bool outdated(std::string_view hash, const std::shared_ptr<const KeyInfo>& info, SteadyTime now);

  keys::KeyLookup& store_;
  KeyL2& l2_;
  const Clock& clock_;
  KeyCacheOptions options_;
  std::function<bool()> busLive_;
  KeyFilter filter_;
  FilterScan scan_;
  L1Cache<Entry> l1_;
  L1Cache<bool> absent_;
  L1Cache<int64_t> changed_;  // hash → newest version announced
};

}  // namespace authd::verify
