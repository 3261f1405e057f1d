// Logged-out access tokens, by jti, until they expire. Lookups are in memory
// and never block: the set is fed by the invalidation bus (pub/sub and the
// PostgreSQL poll), so a token denied on one instance is denied on all.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/changes.hpp"

namespace authd::tokens {

class Denylist final : public ChangeListener {
 public:
  // True when `jti` was denied and that denial has not expired.
  bool contains(std::string_view jti, int64_t nowSeconds) const;
  // Denies `jti` until `expiresAt` (unix seconds).
  void add(std::string jti, int64_t expiresAt);
  // Drops entries whose tokens have expired anyway.
  void prune(int64_t nowSeconds);
  size_t size() const;
  void onChange(const Change& change) override;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> denied_;
};

}  // namespace authd::tokens
