#include "verify/user_status.hpp"

namespace authd::verify {

Result<std::optional<accounts::UserStatus>> UserStatusCache::status(std::string_view userId) {
  const auto now = clock_.monotonic();
  auto cached = l1_.get(userId, now);
  if (cached && now < cached->freshUntil) return cached->status;
  auto found = store_.userStatus(userId);
  if (!found) {
    if (cached) return cached->status;
    return fail(found.error());
  }
  l1_.put(std::string(userId), Entry{*found, now + fresh_}, now + std::max(fresh_, staleMax_));
  return *found;
}

Result<std::optional<bool>> UserStatusCache::isActive(std::string_view userId) {
  auto s = status(userId);
  if (!s) return fail(s.error());
  if (!s->has_value()) return std::optional<bool>();
  return std::optional<bool>((*s)->active);
}

void UserStatusCache::onChange(const Change& change) {
  if (change.kind == ChangeKind::kUserChanged) l1_.erase(change.id);
  if (change.kind == ChangeKind::kBulkReload) l1_.clear();
}

}  // namespace authd::verify
