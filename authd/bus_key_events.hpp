// Key changes announced on the invalidation bus: at once to this process's key cache (when it has one) and to
// every other instance over Redis pub/sub. The service (app.cpp) and `authd admin` (admin_cli.cpp) both use it.
#pragma once

#include <string>
#include <string_view>

#include "core/changes.hpp"
#include "keys/key_service.hpp"
#include "store/invalidation_bus.hpp"
#include "verify/key_cache.hpp"

namespace authd {

class BusKeyEvents final : public keys::KeyEvents {
 public:
  // `cache`: this process's key cache; nullptr for a process that caches nothing (the CLI).
  BusKeyEvents(store::InvalidationBus& bus, verify::KeyCache* cache) : bus_(bus), cache_(cache) {}
  void created(std::string_view hash, const keys::KeyRecord& record) override {
    // Redis first (remember writes L2), then the announcement: an instance that has not heard
    // of the key yet finds it there.
    if (cache_) cache_->remember(hash, record);
    bus_.publish(Change{ChangeKind::kKeyCreated, std::string(hash)});
  }
  void changed(const keys::ChangedKey& key) override {
    Change change{ChangeKind::kKeyChanged, key.hash};
    change.version = key.version;
    bus_.publish(change);
  }

 private:
  store::InvalidationBus& bus_;
  verify::KeyCache* cache_;
};

}  // namespace authd
