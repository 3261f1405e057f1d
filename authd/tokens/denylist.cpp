#include "tokens/denylist.hpp"

namespace authd::tokens {

bool Denylist::contains(std::string_view jti, int64_t nowSeconds) const {
  std::shared_lock lock(mu_);
  const auto it = denied_.find(jti);
  return it != denied_.end() && it->second > nowSeconds;
}

void Denylist::add(std::string jti, int64_t expiresAt) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = denied_.try_emplace(std::move(jti), expiresAt);
  if (!inserted && it->second < expiresAt) it->second = expiresAt;
}

void Denylist::prune(int64_t nowSeconds) {
  std::unique_lock lock(mu_);
  std::erase_if(denied_, [nowSeconds](const auto& kv) { return kv.second <= nowSeconds; });
}

size_t Denylist::size() const {
  std::shared_lock lock(mu_);
  return denied_.size();
}

void Denylist::onChange(const Change& change) {
  if (change.kind == ChangeKind::kAccessTokenRevoked) add(change.id, change.expiresAt);
}

}  // namespace authd::tokens
