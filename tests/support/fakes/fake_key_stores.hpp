// What the /verify path reads keys and users from, in memory: PostgreSQL's
// lookup by hash, Redis's second tier, and users' active flags.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "accounts/user_store.hpp"
#include "keys/key_store.hpp"
#include "verify/key_cache.hpp"

namespace authd::testing {

// PostgreSQL's part: keys by hash, counting lookups; `down` answers as PostgreSQL being unreachable.
// `afterRead` runs once, after the row was read and before the answer returns (a change committing
// and announced while the reply is on its way).
class FakeKeyLookup final : public keys::KeyLookup {
 public:
  std::map<std::string, keys::KeyRecord, std::less<>> byHash;
  int lookups = 0;
  bool down = false;
  std::function<void()> afterRead;

  Result<std::optional<keys::KeyRecord>> findByHash(std::string_view hash) override {
    ++lookups;
    if (down) return fail(Code::kDatabaseUnavailable);
    std::optional<keys::KeyRecord> found;
    if (auto it = byHash.find(hash); it != byHash.end()) found = it->second;
    if (afterRead) std::exchange(afterRead, nullptr)();
    return found;
  }
};

// Redis's part: counts GETs, and can run something in the middle of one (as another
// thread would while the round trip is in flight): `duringGet` before the entry is read,
// `afterRead` after it was read and before the answer returns.
class FakeL2 final : public verify::KeyL2 {
 public:
  std::map<std::string, std::shared_ptr<const verify::KeyInfo>, std::less<>> entries;
  int gets = 0;
  std::function<void()> duringGet;
  std::function<void()> afterRead;

  Result<std::optional<std::shared_ptr<const verify::KeyInfo>>> get(std::string_view hash) override {
    ++gets;
    if (duringGet) std::exchange(duringGet, nullptr)();
    std::optional<std::shared_ptr<const verify::KeyInfo>> found;
    if (auto it = entries.find(hash); it != entries.end()) found = it->second;
    if (afterRead) std::exchange(afterRead, nullptr)();
    return found;
  }
  Status put(std::string_view hash, const std::shared_ptr<const verify::KeyInfo>& info, std::chrono::seconds) override {
    entries[std::string(hash)] = info;
    return {};
  }
  Status erase(std::string_view hash) override {
    entries.erase(std::string(hash));
    return {};
  }
  Status clear() override {
    entries.clear();
    return {};
  }
};

// Users' active flags and limit overrides by id; `down` answers as PostgreSQL being unreachable.
class FakeUserStatusSource final : public accounts::UserStatusSource {
 public:
  std::map<std::string, bool, std::less<>> active;                        // absent: no such user
  std::map<std::string, accounts::UserRateOverride, std::less<>> limits;  // absent: the server default
  bool down = false;
  int lookups = 0;

  Result<std::optional<accounts::UserStatus>> userStatus(std::string_view userId) override {
    ++lookups;
    if (down) return fail(Code::kDatabaseUnavailable);
    auto it = active.find(userId);
    if (it == active.end()) return std::optional<accounts::UserStatus>{};
    accounts::UserStatus s{it->second, std::nullopt};
    if (auto l = limits.find(userId); l != limits.end()) s.rateLimit = l->second;
    return std::optional<accounts::UserStatus>(s);
  }
};

}  // namespace authd::testing
