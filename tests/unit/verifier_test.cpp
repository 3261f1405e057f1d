// The /verify decision (verify::Verifier) with every store faked and time on a
// FakeClock: each outcome a request can get, which tier answered, and what is
// recorded (rate-limit counts, lastUsedAt) only for requests that pass.
#include "verify/verifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "keys/api_key.hpp"
#include "support/fakes/fake_admission_store.hpp"
#include "support/fakes/fake_key_stores.hpp"
#include "support/fakes/fake_last_used.hpp"
#include "tokens/access_tokens.hpp"
#include "tokens/denylist.hpp"

namespace authd::verify {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kUser = "6f1c2a4e-8b3d-4c5e-9f60-7a1b2c3d4e5f";
constexpr std::string_view kOtherUser = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
constexpr std::string_view kSession = "11111111-2222-4333-8444-555555555555";

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_.active[std::string(kUser)] = true;
    key_ = addKey("key-1", {"read", "write"});
    ASSERT_TRUE(keyCache_.loadFilter([this](const std::function<void(uint64_t)>& emit) -> Status {
      for (const auto& [hash, r] : keyStore_.byHash) emit(KeyFilter::prefixOf(hash));
      return {};
    }));
  }

  // A key of kUser stored by hash with the given scopes; returns the key itself.
  std::string addKey(std::string id, std::vector<std::string> scopes, std::optional<keys::RateLimit> limit = {},
                     std::string_view userId = kUser) {
    const keys::NewKey k = keys::generateKey(keys::kDefaultKeyPrefix);
    keys::KeyRecord r;
    r.id = std::move(id);
    r.userId = std::string(userId);
    r.prefix = k.prefix;
    r.scopes = std::move(scopes);
    r.rateLimit = limit;
    r.createdAt = clock_.now();
    keyStore_.byHash[k.hash] = r;
    return k.key;
  }
  keys::KeyRecord& recordOf(const std::string& key) { return keyStore_.byHash.at(keys::hashKey(key)); }

  Verdict run(Mode mode, std::optional<std::string> authorization, std::optional<std::string> apiKey,
              std::string_view scopes = {}) {
    auth_ = std::move(authorization);
    apiKey_ = std::move(apiKey);
    VerifyInput in;
    in.mode = mode;
    in.requiredScopes = scopes;
    in.authorization = &auth_;
    in.apiKey = &apiKey_;
    return verifier_.verify(in);
  }
  Verdict withKey(const std::string& key, std::string_view scopes = {}) {
    return run(Mode::kApiKey, std::nullopt, key, scopes);
  }
  Verdict withJwt(const std::string& token, Mode mode = Mode::kJwt) {
    return run(mode, "Bearer " + token, std::nullopt);
  }
  static std::string name(const Verdict& v) { return v.error ? std::string(codeName(*v.error)) : "allowed"; }
  static void expectDenied(const Verdict& v, Code c) {
    ASSERT_TRUE(v.error.has_value()) << "allowed, expected " << codeName(c);
    EXPECT_EQ(*v.error, c) << name(v) << " != " << codeName(c);
    EXPECT_TRUE(v.userId.empty()) << "a denial names no user";
  }

  FakeClock clock_;
  testing::FakeKeyLookup keyStore_;
  testing::FakeL2 l2_;
  testing::FakeUserStatusSource users_;
  testing::FakeAdmissionStore admissionStore_;
  testing::FakeQueue queue_;
  testing::FakeLastUsedSink sink_;
  tokens::Denylist denylist_;
  std::unique_ptr<tokens::AccessTokens> tokens_ =
      tokens::AccessTokens::createHs256(std::string(64, 's'), "authd", 900s, clock_);
  JwtAuthenticator jwt_{*tokens_, denylist_, clock_};
  KeyCache keyCache_{keyStore_, l2_, clock_, KeyCacheOptions{}, [] { return true; }};
  UserStatusCache userStatus_{users_, clock_, 1000, 60s, 1h};
  Admission admission_{admissionStore_};
  LastUsedTracker lastUsed_{queue_, sink_, clock_};
  NoUsage usage_;
  Verifier verifier_{jwt_, keyCache_, userStatus_, admission_, lastUsed_, usage_, clock_, DefaultLimits{}};

  std::string key_;
  std::optional<std::string> auth_;
  std::optional<std::string> apiKey_;
};

// A valid key passes with its user, key id and scopes, and its use is recorded for lastUsedAt.
TEST_F(VerifierTest, ValidKeyIsAllowed) {
  const Verdict v = withKey(key_);
  ASSERT_FALSE(v.error) << name(v);
  EXPECT_EQ(v.authType, "apiKey");
  EXPECT_EQ(v.userId, kUser);
  EXPECT_EQ(v.keyId, "key-1");
  EXPECT_EQ(v.scopes, "read,write");
  EXPECT_EQ(v.keyTier, KeyTier::kDatabase);
  EXPECT_EQ(lastUsed_.pending(), 1u);
  EXPECT_EQ(withKey(key_).keyTier, KeyTier::kL1);  // the second use is answered from memory
}

// A valid JWT passes with its user and no key.
TEST_F(VerifierTest, ValidJwtIsAllowed) {
  const Verdict v = withJwt(tokens_->issue(kUser, "ann@example.com", kSession));
  ASSERT_FALSE(v.error) << name(v);
  EXPECT_EQ(v.authType, "jwt");
  EXPECT_EQ(v.userId, kUser);
  EXPECT_TRUE(v.keyId.empty());
  EXPECT_FALSE(v.keyTier.has_value());
}

// Nothing sent: missing_credentials, in every mode.
TEST_F(VerifierTest, NothingSentIsMissingCredentials) {
  for (Mode m : {Mode::kJwt, Mode::kApiKey, Mode::kAny}) {
    expectDenied(run(m, std::nullopt, std::nullopt), Code::kMissingCredentials);
  }
}

// A key that fails its format or checksum is malformed_key, and no store is asked.
TEST_F(VerifierTest, MalformedKeyNeverReachesAStore) {
  std::string typo = key_;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  expectDenied(withKey(typo), Code::kMalformedKey);
  expectDenied(withKey("sk_short"), Code::kMalformedKey);
  EXPECT_EQ(keyStore_.lookups, 0);
  EXPECT_EQ(l2_.gets, 0);
}

// A well-formed key nobody holds is invalid_key, decided by the key filter without PostgreSQL.
TEST_F(VerifierTest, UnknownKeyIsInvalid) {
  const Verdict v = withKey(keys::generateKey(keys::kDefaultKeyPrefix).key);
  expectDenied(v, Code::kInvalidKey);
  EXPECT_EQ(v.keyTier, KeyTier::kFilter);
  EXPECT_EQ(keyStore_.lookups, 0);
}

// A revoked key is key_revoked.
TEST_F(VerifierTest, RevokedKey) {
  recordOf(key_).isActive = false;
  expectDenied(withKey(key_), Code::kKeyRevoked);
}

// A disabled key is key_disabled, and verifies again once enabled; revocation outranks it (it is final).
TEST_F(VerifierTest, DisabledKeyIsRefusedUntilEnabled) {
  recordOf(key_).enabled = false;
  recordOf(key_).disabledReason = keys::DisabledReason::kLeaked;
  expectDenied(withKey(key_), Code::kKeyDisabled);
  recordOf(key_).enabled = true;
  recordOf(key_).disabledReason.reset();
  keyCache_.onChange(Change{ChangeKind::kKeyChanged, keys::hashKey(key_)});
  EXPECT_FALSE(withKey(key_).error);
  recordOf(key_).enabled = false;
  recordOf(key_).isActive = false;
  keyCache_.onChange(Change{ChangeKind::kKeyChanged, keys::hashKey(key_)});
  expectDenied(withKey(key_), Code::kKeyRevoked);
}

// A key is key_expired from its expiresAt on, as the clock reaches it (a cached entry does not outlive it).
TEST_F(VerifierTest, KeyExpiresWhenTheClockReachesItsExpiry) {
  recordOf(key_).expiresAt = clock_.now() + 10s;
  EXPECT_FALSE(withKey(key_).error);
  clock_.advance(9s);
  EXPECT_FALSE(withKey(key_).error);
  clock_.advance(1s);
  expectDenied(withKey(key_), Code::kKeyExpired);
}

// The key's user deactivated: user_inactive; the user gone: the key is invalid_key.
TEST_F(VerifierTest, KeyOfAnInactiveOrMissingUser) {
  users_.active[std::string(kUser)] = false;
  expectDenied(withKey(key_), Code::kUserInactive);
  const std::string orphan = addKey("key-2", {}, {}, kOtherUser);
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(orphan)});
  expectDenied(withKey(orphan), Code::kInvalidKey);
}

// The JWT's user deactivated: user_inactive; unknown: invalid_token.
TEST_F(VerifierTest, JwtOfAnInactiveOrMissingUser) {
  users_.active[std::string(kUser)] = false;
  expectDenied(withJwt(tokens_->issue(kUser, "ann@example.com", kSession)), Code::kUserInactive);
  expectDenied(withJwt(tokens_->issue(kOtherUser, "bob@example.com", kSession)), Code::kInvalidToken);
}

// Required scopes: every one must be on the key; a JWT carries none, so a scoped route refuses it.
TEST_F(VerifierTest, Scopes) {
  EXPECT_FALSE(withKey(key_, "read").error);
  EXPECT_FALSE(withKey(key_, "read,write").error);
  expectDenied(withKey(key_, "read,admin"), Code::kInsufficientScope);
  expectDenied(run(Mode::kAny, "Bearer " + tokens_->issue(kUser, "ann@example.com", kSession), std::nullopt, "read"),
               Code::kInsufficientScope);
}

// A key over its limit is rate_limited until enough of its sliding window has passed; the decision carries the
// numbers for the headers.
TEST_F(VerifierTest, RateLimitedUntilTheWindowSlides) {
  // Start at a window boundary (windows are aligned to the wall clock), so the 60 s window is whole.
  clock_.set(SysTime(std::chrono::seconds(1'800'000'060)));
  const std::string limited = addKey("key-limited", {}, keys::RateLimit{2, 60});
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(limited)});
  Verdict first = withKey(limited);
  ASSERT_FALSE(first.error) << name(first);
  EXPECT_EQ(first.admission, AdmissionResult::kAllowed);
  EXPECT_EQ(first.rate.limit, 2);
  EXPECT_EQ(first.rate.remaining, 1);
  EXPECT_EQ(first.rate.resetSeconds, 60);
  EXPECT_FALSE(withKey(limited).error);
  const size_t usesBefore = lastUsed_.pending();
  clock_.advance(15s);
  const Verdict over = withKey(limited);
  expectDenied(over, Code::kRateLimited);
  EXPECT_EQ(over.admission, AdmissionResult::kKeyLimited);
  EXPECT_EQ(over.keyId, "key-limited");  // named in the log, not as the caller
  EXPECT_EQ(over.rate.remaining, 0);
  EXPECT_EQ(over.rate.resetSeconds, 45);
  // The next window starts in 45 s, and half of this one (2 requests) must slide out of it: 45 + 30 s.
  EXPECT_EQ(over.rate.retryAfterSeconds, 76);
  EXPECT_EQ(lastUsed_.pending(), usesBefore);  // a refused request is not a use
  clock_.advance(45s);
  expectDenied(withKey(limited), Code::kRateLimited);  // a fixed window would have reset here
  clock_.advance(31s);
  EXPECT_FALSE(withKey(limited).error);
}

// A key without a limit of its own gets the server's default; with no default, the store is never asked.
TEST_F(VerifierTest, UnlimitedKeysCostNoCounting) {
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(withKey(key_).error);
  ASSERT_FALSE(withJwt(tokens_->issue(kUser, "ann@example.com", kSession)).error);
  EXPECT_EQ(admissionStore_.calls, 0);
  EXPECT_EQ(withKey(key_).rate.limit, 0);
  EXPECT_EQ(withKey(key_).admission, AdmissionResult::kNone);
}

// The shared store unreachable: the key is still limited, counted in this process.
TEST_F(VerifierTest, RateLimitsHoldWhenTheStoreIsDown) {
  clock_.set(SysTime(std::chrono::seconds(1'800'000'060)));
  const std::string limited = addKey("key-limited", {}, keys::RateLimit{1, 60});
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(limited)});
  admissionStore_.down = true;
  const Verdict first = withKey(limited);
  ASSERT_FALSE(first.error) << name(first);
  EXPECT_FALSE(first.rate.shared);
  expectDenied(withKey(limited), Code::kRateLimited);
  EXPECT_EQ(admission_.localDecisions(), 2u);
}

// A user's override limit counts their keys and their JWTs together; the user's limit answers.
TEST_F(VerifierTest, UserLimitCountsKeysAndJwts) {
  clock_.set(SysTime(std::chrono::seconds(1'800'000'060)));
  users_.limits[std::string(kUser)] = accounts::UserRateOverride{3, 60};
  const std::string second = addKey("key-2", {});
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(second)});
  const std::string jwt = tokens_->issue(kUser, "ann@example.com", kSession);
  const Verdict a = withKey(key_);
  ASSERT_FALSE(a.error) << name(a);
  EXPECT_EQ(a.rate.limit, 3);
  EXPECT_EQ(a.rate.remaining, 2);
  ASSERT_FALSE(withKey(second).error);
  const Verdict viaJwt = withJwt(jwt);
  ASSERT_FALSE(viaJwt.error) << name(viaJwt);
  EXPECT_EQ(viaJwt.rate.remaining, 0);
  const Verdict over = withJwt(jwt);
  expectDenied(over, Code::kRateLimited);
  EXPECT_EQ(over.admission, AdmissionResult::kUserLimited);
  expectDenied(withKey(second), Code::kRateLimited);
}

// With both a key and a user limit, the tighter one (fewer remaining) is described.
TEST_F(VerifierTest, TighterLimitAnswers) {
  clock_.set(SysTime(std::chrono::seconds(1'800'000'060)));
  users_.limits[std::string(kUser)] = accounts::UserRateOverride{100, 60};
  const std::string limited = addKey("key-limited", {}, keys::RateLimit{5, 60});
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(limited)});
  const Verdict v = withKey(limited);
  ASSERT_FALSE(v.error) << name(v);
  EXPECT_EQ(v.rate.limit, 5);
  EXPECT_EQ(v.rate.remaining, 4);
  EXPECT_EQ(admissionStore_.calls, 1);  // both limits in one call
  // An override of 0 lifts the server's default for that user.
  users_.limits[std::string(kUser)] = accounts::UserRateOverride{0, 60};
  userStatus_.onChange(Change{ChangeKind::kUserChanged, std::string(kUser)});
  EXPECT_EQ(withKey(key_).admission, AdmissionResult::kNone);
}

// A key with credits spends its cost per allowed verdict, then answers usage_exceeded with the time to its refill.
TEST_F(VerifierTest, CreditsAreSpentThenExceeded) {
  clock_.set(SysTime(std::chrono::seconds(1'800'000'000)));  // 2027-01-15 08:00 UTC
  const std::string paid = addKey("key-paid", {});
  auto& r = recordOf(paid);
  r.credits = keys::Credits{5, keys::CreditRefill{5, keys::RefillInterval::kDay}};
  r.creditsVersion = 7;
  r.creditsPeriod = keys::periodStart(keys::RefillInterval::kDay, 1'800'000'000);
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(paid)});
  auto withCost = [&](int64_t cost) {
    apiKey_ = paid;
    auth_.reset();
    VerifyInput in;
    in.mode = Mode::kApiKey;
    in.authorization = &auth_;
    in.apiKey = &apiKey_;
    in.cost = cost;
    return verifier_.verify(in);
  };
  const Verdict first = withCost(3);
  ASSERT_FALSE(first.error) << name(first);
  EXPECT_EQ(first.creditsRemaining, 2);
  EXPECT_EQ(first.creditsSpent, 3);
  const Verdict tooDear = withCost(3);
  expectDenied(tooDear, Code::kUsageExceeded);
  EXPECT_EQ(tooDear.creditsRetryAfter,
            keys::nextPeriodStart(keys::RefillInterval::kDay, 1'800'000'000) - 1'800'000'000);
  EXPECT_EQ(withCost(2).creditsRemaining, 0);
  expectDenied(withCost(0), Code::kUsageExceeded);  // cost 0 spends nothing but needs a credit left
  // Keys without credits are not affected, and no limit means no round trip for them.
  const int calls = admissionStore_.calls;
  EXPECT_FALSE(withKey(key_).error);
  EXPECT_EQ(admissionStore_.calls, calls);
  // The next day's refill.
  clock_.advance(24h);
  EXPECT_EQ(withCost(1).creditsRemaining, 4);
}

// Credits fail closed when the store is unreachable; keys without credits still verify.
TEST_F(VerifierTest, CreditsFailClosedWhenTheStoreIsDown) {
  const std::string paid = addKey("key-paid", {});
  recordOf(paid).credits = keys::Credits{5, std::nullopt};
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(paid)});
  admissionStore_.down = true;
  const Verdict v = withKey(paid);
  expectDenied(v, Code::kCacheUnavailable);
  EXPECT_EQ(v.admission, AdmissionResult::kUnavailable);
  EXPECT_FALSE(withKey(key_).error);
}

// Only the other kind of credential sent: wrong_credential_type, and it is not checked.
TEST_F(VerifierTest, WrongKind) {
  expectDenied(run(Mode::kJwt, std::nullopt, key_), Code::kWrongCredentialType);
  expectDenied(run(Mode::kApiKey, "Bearer " + tokens_->issue(kUser, "ann@example.com", kSession), std::nullopt),
               Code::kWrongCredentialType);
  EXPECT_EQ(keyStore_.lookups, 0);
}

// Both headers: a JWT route reads the JWT, a key route the key, and `any` lets the key win.
TEST_F(VerifierTest, BothHeaders) {
  const std::string bearer = "Bearer " + tokens_->issue(kUser, "ann@example.com", kSession);
  EXPECT_EQ(run(Mode::kJwt, bearer, key_).authType, "jwt");
  EXPECT_EQ(run(Mode::kApiKey, bearer, key_).authType, "apiKey");
  EXPECT_EQ(run(Mode::kAny, bearer, key_).authType, "apiKey");
  // `any` with a bad key and a good JWT: the key decides, and it is refused.
  expectDenied(run(Mode::kAny, bearer, keys::generateKey(keys::kDefaultKeyPrefix).key), Code::kInvalidKey);
}

// JWT outcomes: garbage is invalid_token, past exp token_expired, logged out (token or session) token_revoked.
TEST_F(VerifierTest, JwtOutcomes) {
  expectDenied(withJwt("not.a.jwt"), Code::kInvalidToken);
  const std::string token = tokens_->issue(kUser, "ann@example.com", kSession);
  ASSERT_FALSE(withJwt(token).error);
  clock_.advance(900s);
  expectDenied(withJwt(token), Code::kTokenExpired);

  const std::string fresh = tokens_->issue(kUser, "ann@example.com", kSession);
  ASSERT_FALSE(withJwt(fresh).error);
  auto claims = tokens_->verify(fresh);
  ASSERT_TRUE(claims);
  denylist_.add(claims->jti, claims->exp);
  expectDenied(withJwt(fresh), Code::kTokenRevoked);

  const std::string sibling = tokens_->issue(kUser, "ann@example.com", kSession);
  ASSERT_FALSE(withJwt(sibling).error);
  denylist_.addSession(std::string(kSession), toUnixSeconds(clock_.now()) + 3600);
  expectDenied(withJwt(sibling), Code::kTokenRevoked);
}

// PostgreSQL down with nothing known: database_unavailable (fail closed, never allowed); a key already
// known is served from memory meanwhile.
TEST_F(VerifierTest, StoreOutageFailsClosedButServesWhatIsKnown) {
  ASSERT_FALSE(withKey(key_).error);
  const std::string other = addKey("key-2", {});
  keyCache_.onChange(Change{ChangeKind::kKeyCreated, keys::hashKey(other)});
  keyStore_.down = true;
  users_.down = true;
  expectDenied(withKey(other), Code::kDatabaseUnavailable);
  EXPECT_FALSE(withKey(key_).error);
  // Past its freshness, with Redis's copy gone too, the known key is served stale rather than refused.
  l2_.entries.clear();
  clock_.advance(2min);
  const Verdict stale = withKey(key_);
  EXPECT_FALSE(stale.error) << name(stale);
  EXPECT_EQ(stale.keyTier, KeyTier::kStale);
}

// A key change announced on the bus is seen by the next request, whatever L1 holds.
TEST_F(VerifierTest, RevocationEvictsTheCachedKey) {
  ASSERT_FALSE(withKey(key_).error);
  recordOf(key_).isActive = false;
  EXPECT_FALSE(withKey(key_).error);  // still cached: nothing was announced
  keyCache_.onChange(Change{ChangeKind::kKeyChanged, keys::hashKey(key_)});
  expectDenied(withKey(key_), Code::kKeyRevoked);
}

// The user status is cached for its freshness on the monotonic clock, then asked again.
TEST_F(VerifierTest, UserStatusIsRecheckedAfterItsFreshness) {
  ASSERT_FALSE(withKey(key_).error);
  const int asked = users_.lookups;
  users_.active[std::string(kUser)] = false;
  EXPECT_FALSE(withKey(key_).error);
  EXPECT_EQ(users_.lookups, asked);
  clock_.advance(61s);
  expectDenied(withKey(key_), Code::kUserInactive);
}

}  // namespace
}  // namespace authd::verify
