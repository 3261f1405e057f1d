// Which audit events a key change records, and what they say: the actor and
// origin they are given, the key's owner's log, small data with no secret,
// and nothing when nothing changed.
#include "keys/key_audit.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace authd::keys {
namespace {

using nlohmann::json;

constexpr std::string_view kOwner = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kKeyId = "00000000-0000-4000-8000-000000000001";

KeyRecord key() {
  KeyRecord k;
  k.id = std::string(kKeyId);
  k.userId = std::string(kOwner);
  k.name = "ci";
  k.prefix = "sk_abcd1234";
  k.scopes = {"read"};
  return k;
}

events::Context ctx() { return events::Context::user(std::string(kOwner), {"203.0.113.9", "curl/8.5"}); }

json dataOf(const events::Event& e) { return json::parse(e.data); }

std::vector<std::string> typesOf(const std::vector<events::Event>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.type);
  return out;
}

// key.created names the key by name, prefix and scopes, in the owner's log, with the caller as actor and origin.
TEST(KeyAuditTest, CreatedCarriesActorOriginAndNoSecret) {
  const auto e = audit::created(key(), ctx());
  EXPECT_EQ(e.type, "key.created");
  EXPECT_EQ(e.userId, kOwner);
  EXPECT_EQ(e.actor.kind, events::ActorKind::kUser);
  EXPECT_EQ(e.actor.id, kOwner);
  EXPECT_EQ(e.targetType, "key");
  EXPECT_EQ(e.targetId, kKeyId);
  EXPECT_EQ(e.origin.clientAddress, "203.0.113.9");
  EXPECT_EQ(e.origin.userAgent, "curl/8.5");
  EXPECT_EQ(dataOf(e), (json{{"name", "ci"}, {"prefix", "sk_abcd1234"}, {"scopes", {"read"}}}));
}

// A PATCH records key.updated with the names of the fields that changed; one that sets a field to its current
// value records nothing; credits count as changed whenever granted (a grant is always new).
TEST(KeyAuditTest, UpdatedNamesTheChangedFieldsOnly) {
  KeyRecord before = key();
  KeyRecord after = before;
  after.name = "renamed";
  after.rateLimit = RateLimit{10, 60};
  KeyPatch patch;
  patch.name = "renamed";
  patch.rateLimit = RateLimit{10, 60};
  patch.scopes = std::vector<std::string>{"read"};  // as it was
  auto es = audit::updated(before, after, patch, ctx());
  ASSERT_EQ(typesOf(es), std::vector<std::string>{"key.updated"});
  EXPECT_EQ(dataOf(es[0]), (json{{"fields", {"name", "rateLimit"}}}));

  EXPECT_TRUE(audit::updated(before, before, patch, ctx()).empty());

  KeyPatch grant;
  grant.credits = std::optional(Credits{100, std::nullopt});
  es = audit::updated(before, before, grant, ctx());
  ASSERT_EQ(typesOf(es), std::vector<std::string>{"key.updated"});
  EXPECT_EQ(dataOf(es[0]), (json{{"fields", {"credits"}}}));
}

// `enabled` is its own event: key.disabled (with the reason) or key.enabled, after key.updated when both changed;
// disabling a disabled key records nothing.
TEST(KeyAuditTest, EnabledChangesAreTheirOwnEvents) {
  KeyRecord on = key();
  KeyRecord off = on;
  off.enabled = false;
  off.disabledReason = DisabledReason::kUser;
  KeyPatch disable;
  disable.enabled = false;
  auto es = audit::updated(on, off, disable, ctx());
  ASSERT_EQ(typesOf(es), std::vector<std::string>{"key.disabled"});
  EXPECT_EQ(dataOf(es[0]), (json{{"reason", "user"}}));

  KeyPatch enable;
  enable.enabled = true;
  EXPECT_EQ(typesOf(audit::updated(off, on, enable, ctx())), std::vector<std::string>{"key.enabled"});
  EXPECT_TRUE(audit::updated(off, off, disable, ctx()).empty());

  KeyRecord renamedOff = off;
  renamedOff.name = "other";
  KeyPatch both = disable;
  both.name = "other";
  EXPECT_EQ(typesOf(audit::updated(on, renamedOff, both, ctx())),
            (std::vector<std::string>{"key.updated", "key.disabled"}));
}

// The operator disabling a key the owner had disabled records key.disabled again, with the reason that now holds;
// disabling it again as the operator records nothing.
TEST(KeyAuditTest, OperatorTakingOverADisabledKeyIsRecorded) {
  KeyRecord byUser = key();
  byUser.enabled = false;
  byUser.disabledReason = DisabledReason::kUser;
  KeyRecord byOperator = byUser;
  byOperator.disabledReason = DisabledReason::kOperator;
  KeyPatch disable;
  disable.enabled = false;
  const auto op = events::Context::operatorCli();
  auto es = audit::updated(byUser, byOperator, disable, op);
  ASSERT_EQ(typesOf(es), std::vector<std::string>{"key.disabled"});
  EXPECT_EQ(dataOf(es[0]), (json{{"reason", "operator"}}));
  EXPECT_EQ(es[0].actor.kind, events::ActorKind::kOperator);
  EXPECT_TRUE(es[0].actor.id.empty());
  EXPECT_EQ(es[0].userId, kOwner) << "in the owner's log";
  EXPECT_TRUE(audit::updated(byOperator, byOperator, disable, op).empty());
}

// key.rotated is about the old key and names its successor and the old key's end of life.
TEST(KeyAuditTest, RotatedTargetsTheOldKey) {
  KeyRecord next = key();
  next.id = "00000000-0000-4000-8000-000000000002";
  const auto e = audit::rotated(key(), next, fromUnixMillis(1'800'000'000'000), ctx());
  EXPECT_EQ(e.type, "key.rotated");
  EXPECT_EQ(e.targetId, kKeyId);
  EXPECT_EQ(dataOf(e), (json{{"successorId", next.id}, {"expiresAt", "2027-01-15T08:00:00.000Z"}}));
}

// key.revoked only when the key was live; a second revocation changes nothing and records nothing.
TEST(KeyAuditTest, RevokedOnlyWhenItChanged) {
  const auto e = audit::revoked(key(), ctx());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "key.revoked");
  EXPECT_EQ(dataOf(*e), (json{{"name", "ci"}, {"prefix", "sk_abcd1234"}}));
  KeyRecord gone = key();
  gone.isActive = false;
  EXPECT_FALSE(audit::revoked(gone, ctx()));
}

// A leak report is made by the key itself (whoever holds it), in its owner's log; a key already disabled as leaked,
// or revoked, records nothing more; one disabled by its owner is now leaked, which is news.
TEST(KeyAuditTest, LeakedIsByTheKeyInItsOwnersLog) {
  const auto e = audit::leaked(key(), {"198.51.100.4", "scanner/2"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "key.leaked");
  EXPECT_EQ(e->actor.kind, events::ActorKind::kKey);
  EXPECT_EQ(e->actor.id, kKeyId);
  EXPECT_EQ(e->userId, kOwner);
  EXPECT_EQ(e->origin.clientAddress, "198.51.100.4");
  KeyRecord leaked = key();
  leaked.enabled = false;
  leaked.disabledReason = DisabledReason::kLeaked;
  EXPECT_FALSE(audit::leaked(leaked, {}));
  KeyRecord revoked = key();
  revoked.isActive = false;
  EXPECT_FALSE(audit::leaked(revoked, {}));
  KeyRecord disabled = key();
  disabled.enabled = false;
  disabled.disabledReason = DisabledReason::kUser;
  EXPECT_TRUE(audit::leaked(disabled, {}));
}

// Exhausted credits are noticed by authd itself: actor system, no origin, the refill period if there is one.
TEST(KeyAuditTest, CreditsExhaustedIsBySystem) {
  const auto e = audit::creditsExhausted(std::string(kKeyId), std::string(kOwner), 1'767'225'600);
  EXPECT_EQ(e.type, "key.credits_exhausted");
  EXPECT_EQ(e.actor.kind, events::ActorKind::kSystem);
  EXPECT_TRUE(e.actor.id.empty());
  EXPECT_TRUE(e.origin.clientAddress.empty());
  EXPECT_EQ(e.userId, kOwner);
  EXPECT_EQ(dataOf(e), (json{{"periodStart", "2026-01-01T00:00:00.000Z"}}));
  EXPECT_EQ(dataOf(audit::creditsExhausted(std::string(kKeyId), std::string(kOwner), 0)),
            (json{{"periodStart", nullptr}}));
}

}  // namespace
}  // namespace authd::keys
