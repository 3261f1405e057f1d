#include "accounts/session_service.hpp"

#include "core/crypto.hpp"

namespace authd::accounts {

Result<std::vector<ListedSession>> SessionService::list(const tokens::AccessClaims& caller) {
  auto live = store_.liveSessions(caller.sub);
  if (!live) return fail(std::move(live.error()));
  std::vector<ListedSession> out;
  out.reserve(live->size());
  for (auto& s : *live) {
    const bool current = !caller.sid.empty() && s.id == caller.sid;
    out.push_back({std::move(s), current});
  }
  return out;
}

Status SessionService::revoke(const tokens::AccessClaims& caller, std::string_view sessionId,
                              const events::Origin& origin) {
  if (!crypto::isUuid(sessionId)) return fail(Code::kInvalidId);
  auto ended = store_.revokeSessions(caller.sub, {.only = std::string(sessionId), .keep = {}},
                                     events::Context::user(caller.sub, origin), "revoked");
  if (!ended) return fail(std::move(ended.error()));
  if (ended->empty()) return fail(Code::kNotFound, "Session not found");
  return {};
}

Result<size_t> SessionService::revokeAll(const tokens::AccessClaims& caller, const events::Origin& origin) {
  auto ended = store_.revokeSessions(caller.sub, {}, events::Context::user(caller.sub, origin), "logout_all");
  if (!ended) return fail(std::move(ended.error()));
  return ended->size();
}

}  // namespace authd::accounts
