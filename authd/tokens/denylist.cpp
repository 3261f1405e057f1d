#include "tokens/denylist.hpp"

#include <spdlog/spdlog.h>

#include <limits>

namespace authd::tokens {

int64_t sessionDenialEnd(int64_t revokedAt, std::chrono::seconds accessLifetime) {
  const int64_t extra = accessLifetime.count() + kSessionDenialMargin.count();
  if (revokedAt > std::numeric_limits<int64_t>::max() - extra) return std::numeric_limits<int64_t>::max();
  return revokedAt + extra;
}

namespace {

bool live(const auto& map, std::string_view key, int64_t now) {
  const auto it = map.find(key);
  return it != map.end() && it->second > now;
}

void keepLater(auto& map, std::string key, int64_t until) {
  auto [it, inserted] = map.try_emplace(std::move(key), until);
  if (!inserted && it->second < until) it->second = until;
}

}  // namespace

bool Denylist::contains(std::string_view jti, int64_t nowSeconds) const {
  std::shared_lock lock(mu_);
  return live(denied_, jti, nowSeconds);
}

bool Denylist::containsSession(std::string_view sid, int64_t nowSeconds) const {
  if (sid.empty()) return false;
  std::shared_lock lock(mu_);
  return live(sessions_, sid, nowSeconds);
}

void Denylist::add(std::string jti, int64_t expiresAt) {
  std::unique_lock lock(mu_);
  keepLater(denied_, std::move(jti), expiresAt);
}

void Denylist::addSession(std::string sid, int64_t until) {
  if (sid.empty()) return;
  std::unique_lock lock(mu_);
  keepLater(sessions_, std::move(sid), until);
}

void Denylist::prune(int64_t nowSeconds) {
  std::unique_lock lock(mu_);
  const auto lapsed = [nowSeconds](const auto& kv) { return kv.second <= nowSeconds; };
  std::erase_if(denied_, lapsed);
  std::erase_if(sessions_, lapsed);
}

size_t Denylist::size() const {
  std::shared_lock lock(mu_);
  return denied_.size() + sessions_.size();
}

size_t Denylist::tokens() const {
  std::shared_lock lock(mu_);
  return denied_.size();
}

size_t Denylist::sessions() const {
  std::shared_lock lock(mu_);
  return sessions_.size();
}

void Denylist::onChange(const Change& change) {
  if (change.kind == ChangeKind::kAccessTokenRevoked) add(change.id, change.expiresAt);
  if (change.kind == ChangeKind::kSessionRevoked) addSession(change.id, change.expiresAt);
}

DenylistPruner::DenylistPruner(Denylist& denylist, DenialStore& store, const Clock& clock,
                               std::chrono::seconds interval)
    : denylist_(denylist), store_(store), clock_(clock), interval_(interval) {}

DenylistPruner::~DenylistPruner() { stop(); }

bool DenylistPruner::tick() {
  std::lock_guard work(tickMu_);
  const SysTime now = clock_.now();
  if (ranOnce_ && now - last_ < interval_) return false;
  ranOnce_ = true;
  last_ = now;
  denylist_.prune(toUnixSeconds(now));
  if (auto pruned = store_.pruneExpired()) {
    storeRows_ += *pruned;
  } else {
    ++storeFailures_;
    spdlog::warn("denylist prune: store prune failed ({}); retried next interval", codeName(pruned.error().code));
  }
  ++runs_;
  return true;
}

void DenylistPruner::start(std::chrono::milliseconds wake) {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this, wake] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      tick();
      lock.lock();
      cv_.wait_for(lock, wake, [this] { return stopping_; });
    }
  });
}

void DenylistPruner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace authd::tokens
