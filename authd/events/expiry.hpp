// key.expiring and key.expired: the notices a scheduled scan writes for keys
// whose expiresAt comes near or passes, once per key, expiresAt and threshold
// (sql/006_events.sql, key_expiry_notices). A scan writes only the most
// specific notice due: a key found with 12 hours left gets the 1d notice and
// never the 7d one; a key found already past its expiry gets only key.expired.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"

namespace authd::events {

enum class ExpiryThreshold { kSevenDays, kOneDay, kExpired };
inline constexpr size_t kExpiryThresholdCount = 3;

// "7d", "1d", "expired": key_expiry_notices.threshold, the event's data.threshold and the metric's label.
std::string_view thresholdName(ExpiryThreshold t);
std::optional<ExpiryThreshold> parseThreshold(std::string_view name);

// How far ahead of expiresAt the notices are due.
inline constexpr std::chrono::hours kSevenDayNotice{7 * 24};
inline constexpr std::chrono::hours kOneDayNotice{24};
// A key that expired longer ago than this gets no key.expired any more: a scan that was not running (authd down
// for a few days) still catches up, but keys that expired before the notices existed do not all fire at once.
inline constexpr std::chrono::hours kExpiredLookback{7 * 24};

// The event for one notice: key.expiring with data {threshold, expiresAt} for 7d and 1d, key.expired with data
// {expiresAt}; actor system, target the key, in its owner's log.
Event expiryEvent(ExpiryThreshold t, std::string userId, std::string keyId, SysTime expiresAt);

// Notices one scan wrote, by threshold.
struct ExpiryCounts {
  std::array<uint64_t, kExpiryThresholdCount> written{};
  bool skipped = false;  // another instance was scanning (it holds the lock), so this one did nothing
  uint64_t total() const { return written[0] + written[1] + written[2]; }
};

// Finds the keys due a notice and writes each notice with its event (PostgreSQL).
class ExpiryScanner {
 public:
  virtual ~ExpiryScanner() = default;
  // Writes every notice due at `now` that was not written before, each with its event in one transaction; one
  // instance at a time (another's scan in progress: skipped).
  virtual Result<ExpiryCounts> scanExpiries(SysTime now) = 0;
};

}  // namespace authd::events
