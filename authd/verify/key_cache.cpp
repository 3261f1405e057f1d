#include "verify/key_cache.hpp"

#include <malloc.h>

namespace authd::verify {

std::shared_ptr<const KeyInfo> toKeyInfo(const keys::KeyRecord& r) {
  auto info = std::make_shared<KeyInfo>();
  info->id = r.id;
  info->userId = r.userId;
  info->scopes = r.scopes;
  for (const auto& s : r.scopes) info->scopesHeader += (info->scopesHeader.empty() ? "" : ",") + s;
  info->rateLimit = r.rateLimit;
  info->isActive = r.isActive;
  info->enabled = r.enabled;
  info->expiresAtMs = r.expiresAt ? toUnixMillis(*r.expiresAt) : -1;
  info->version = r.version;
  info->credits = r.credits;
  info->creditsVersion = r.creditsVersion;
  info->creditsPeriod = r.creditsPeriod;
  return info;
}

KeyCache::KeyCache(keys::KeyLookup& store, KeyL2& l2, const Clock& clock, KeyCacheOptions options,
                   std::function<bool()> busLive)
    : store_(store),
      l2_(l2),
      clock_(clock),
      options_(options),
      busLive_(std::move(busLive)),
      l1_(options.capacity),
      absent_(options.absentCapacity),
      changed_(options.changedCapacity) {}

bool KeyCache::outdated(std::string_view hash, const std::shared_ptr<const KeyInfo>& info, SteadyTime now) {
  if (!info) return false;
  const auto newest = changed_.get(hash, now);
  return newest && info->version < *newest;
}

void KeyCache::store(std::string_view hash, const std::shared_ptr<const KeyInfo>& info, SteadyTime now) {
  const auto fresh = info ? options_.fresh : options_.negativeFresh;
  l1_.put(std::string(hash), Entry{info, now + fresh}, now + std::max(fresh, options_.staleMax));
  // Checked after the put: a change heard between the read and the put either finds this
  // entry and evicts it, or has already recorded its version here.
  if (outdated(hash, info, now)) l1_.erase(hash);
}

Result<LookupResult> KeyCache::lookup(std::string_view hash) {
  const auto now = clock_.monotonic();
  std::optional<Entry> stale = l1_.get(hash, now);
  if (stale && now < stale->freshUntil) return LookupResult{stale->info, KeyTier::kL1};

  // Unknown to the filter: not in PostgreSQL. But another instance may have created it a
  // moment ago and its announcement is still on the way; the creator put it in Redis first.
  bool askedL2 = false;
  if (!stale && filter_.loaded() && busLive_() && !filter_.mayContain(KeyFilter::prefixOf(hash))) {
    if (absent_.get(hash, now)) return LookupResult{nullptr, KeyTier::kFilter};
    auto cached = l2_.get(hash);
    if (!cached || !cached->has_value() || !**cached) {
      absent_.put(std::string(hash), true, now + options_.absentFresh);
      return LookupResult{nullptr, KeyTier::kFilter};
    }
    filter_.add(KeyFilter::prefixOf(hash));
    if (!outdated(hash, **cached, now)) {
      store(hash, **cached, now);
      return LookupResult{**cached, KeyTier::kL2};
    }
    // Changed while Redis answered: the key exists, and only PostgreSQL has its new row.
    askedL2 = true;
  }

  if (!askedL2) {
    if (auto cached = l2_.get(hash); cached && cached->has_value() && !outdated(hash, **cached, now)) {
      store(hash, **cached, now);
      return LookupResult{**cached, KeyTier::kL2};
    }
  }
  auto found = store_.findByHash(hash);
  if (!found) {
    if (stale) return LookupResult{stale->info, KeyTier::kStale};
    return fail(found.error());
  }
  std::shared_ptr<const KeyInfo> info = *found ? toKeyInfo(**found) : nullptr;
  // Read before a change this instance has since heard of committed: answer with it (the change
  // and this request raced) but keep it out of both caches.
  if (outdated(hash, info, now)) return LookupResult{info, KeyTier::kDatabase};
  store(hash, info, now);
  (void)l2_.put(hash, info, info ? options_.l2Ttl : options_.l2NegativeTtl);
  if (info) filter_.add(KeyFilter::prefixOf(hash));
  return LookupResult{info, KeyTier::kDatabase};
}

void KeyCache::remember(std::string_view hash, const keys::KeyRecord& record) {
  auto info = toKeyInfo(record);
  filter_.add(KeyFilter::prefixOf(hash));
  store(hash, info, clock_.monotonic());
  (void)l2_.put(hash, info, options_.l2Ttl);
}

Status KeyCache::loadFilter(FilterScan scan) {
  scan_ = std::move(scan);
  std::vector<uint64_t> prefixes;
  if (auto s = scan_([&prefixes](uint64_t p) { prefixes.push_back(p); }); !s) return s;
  filter_.load(std::move(prefixes));
  malloc_trim(0);  // the load's transient buffers go back to the OS, not into RSS for good
  return {};
}

void KeyCache::onChange(const Change& change) {
  switch (change.kind) {
    case ChangeKind::kKeyCreated:
      filter_.add(KeyFilter::prefixOf(change.id));
      absent_.erase(change.id);
      // Only a "no such key" answer cached a moment before; the creator's own entry stays.
      if (auto e = l1_.get(change.id, clock_.monotonic()); e && !e->info) l1_.erase(change.id);
      break;
    case ChangeKind::kKeyChanged:
      if (change.version > 0) {
        // Remembered for as long as an old copy can live in Redis, before anything is evicted.
        const auto now = clock_.monotonic();
        const auto known = changed_.get(change.id, now);
        if (!known || *known < change.version) {
          changed_.put(change.id, change.version, now + options_.l2Ttl + std::chrono::seconds(60));
        }
      }
      filter_.add(KeyFilter::prefixOf(change.id));
      absent_.erase(change.id);
      l1_.erase(change.id);
      // The originator (or, if Redis was down then, every instance's poll) clears Redis;
      // doing it again for each pub/sub message would put a round trip on the invalidation thread.
      if (!change.remote) (void)l2_.erase(change.id);
      break;
    case ChangeKind::kBulkReload:
      absent_.clear();
      l1_.clear();
      (void)l2_.clear();
      if (scan_) (void)loadFilter(scan_);
      break;
    default: break;
  }
}

}  // namespace authd::verify
