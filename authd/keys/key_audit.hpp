// The audit events of key changes (SPEC.md "Events"), built from the key as it
// was and as the change left it. The store writes them in the change's own
// transaction; which events a change records is decided here, not there.
// Never the key or its hash in an event.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "events/event.hpp"
#include "keys/key_store.hpp"

namespace authd::keys::audit {

// key.created: {name, prefix, scopes}.
events::Event created(const KeyRecord& key, const events::Context& ctx);
// What a PATCH records: key.updated {fields: [...]} when a field other than `enabled` changed (credits: whenever
// the patch grants them, as every grant is new), then key.disabled {reason} or key.enabled when `enabled` changed.
// Nothing when nothing changed.
std::vector<events::Event> updated(const KeyRecord& before, const KeyRecord& after, const KeyPatch& patch,
                                   const events::Context& ctx);
// key.rotated on the old key: {successorId, expiresAt} (the old key's end of life).
events::Event rotated(const KeyRecord& old, const KeyRecord& successor, SysTime oldExpiresAt,
                      const events::Context& ctx);
// key.revoked: {name, prefix}; nullopt when `before` was revoked already (nothing changed).
std::optional<events::Event> revoked(const KeyRecord& before, const events::Context& ctx);
// key.leaked, by the key itself (actor {key, id}) from `origin`: {name, prefix}; nullopt when `before` was
// already disabled as leaked or is revoked (nothing changed).
std::optional<events::Event> leaked(const KeyRecord& before, const events::Origin& origin);
// key.credits_exhausted, by the system: {periodStart} (the refill period, null without a refill;
// `period` in unix s).
events::Event creditsExhausted(const std::string& keyId, const std::string& userId, int64_t period);

}  // namespace authd::keys::audit
