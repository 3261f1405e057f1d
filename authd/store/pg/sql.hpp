// Every SQL statement authd runs, as named constants; all are parameterised
// and prepared once per connection (see preparedStatements()).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace authd::store::pg::sql {

// Timestamps travel as integer milliseconds since the epoch.
#define AUTHD_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

inline constexpr const char* kInsertUser =
    "INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) "
    "RETURNING id::text, email, name, password_hash, is_active, " AUTHD_MS("created_at");
inline constexpr const char* kUserByEmail = "SELECT id::text, email, name, password_hash, is_active, " AUTHD_MS(
    "created_at") " FROM users WHERE lower(email) = $1";  // $1: accounts::normalizeEmail's form
inline constexpr const char* kUserById =
    "SELECT id::text, email, name, password_hash, is_active, " AUTHD_MS("created_at") " FROM users WHERE id = $1::uuid";

// Refresh tokens and their families (sessions). Rotation and revocation lock the family row first, so they are
// serialised per family (see PgRefreshStore::rotate).
inline constexpr const char* kInsertFamily =
    "INSERT INTO refresh_families (id, user_id, user_agent, client_address) "
    "VALUES ($1::uuid, $2::uuid, nullif($3, ''), nullif($4, '')) ON CONFLICT (id) DO NOTHING";
// A new session's user still has password hash $2 and is active: the row is locked (FOR SHARE) until the login's
// transaction ends, so a password change or reset either committed before (no row) or waits for the session and
// then revokes it.
inline constexpr const char* kUserStillHasHash =
    "SELECT 1 FROM users WHERE id = $1::uuid AND password_hash = $2 AND is_active FOR SHARE";
inline constexpr const char* kInsertRefresh =
    "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) "
    "VALUES ($1::uuid, $2::uuid, $3::uuid, $4, to_timestamp($5::double precision / 1000))";
inline constexpr const char* kRefreshByHash = "SELECT id::text, user_id::text, family_id::text, " AUTHD_MS(
    "expires_at") ", used_at IS NOT NULL, revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = $1";
// true when the family is revoked; no row when there is no such family.
inline constexpr const char* kLockFamily =
    "SELECT revoked_at IS NOT NULL FROM refresh_families WHERE id = $1::uuid FOR UPDATE";
inline constexpr const char* kMarkRefreshUsed =
    "UPDATE refresh_tokens SET used_at = now() WHERE id = $1::uuid AND used_at IS NULL AND revoked_at IS NULL";
inline constexpr const char* kTouchFamily =
    "UPDATE refresh_families SET updated_at = clock_timestamp(), last_refreshed_at = clock_timestamp() "
    "WHERE id = $1::uuid";
// The revocation's time in unix seconds (the first revocation's, if it was revoked before).
inline constexpr const char* kRevokeFamily =
    "UPDATE refresh_families SET revoked_at = coalesce(revoked_at, clock_timestamp()), updated_at = clock_timestamp() "
    "WHERE id = $1::uuid RETURNING extract(epoch FROM revoked_at)::bigint";
inline constexpr const char* kRevokeFamilyTokens =
    "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1::uuid AND revoked_at IS NULL";

inline constexpr const char* kRevokeAccessToken =
    "INSERT INTO revoked_access_tokens (jti, user_id, expires_at) "
    "VALUES ($1::uuid, $2::uuid, to_timestamp($3::double precision / 1000)) ON CONFLICT (jti) DO NOTHING";
// Pruning, in bounded batches: denials of tokens that have expired anyway, and sessions that can neither refresh
// (every token expired) nor still have a live access token (quiet for longer than $1 seconds, the access-token
// lifetime plus a margin); their refresh tokens go with them (ON DELETE CASCADE).
inline constexpr const char* kPruneRevokedAccessTokens =
    "DELETE FROM revoked_access_tokens WHERE jti IN "
    "(SELECT jti FROM revoked_access_tokens WHERE expires_at <= now() LIMIT $1::integer)";
inline constexpr const char* kPruneFamilies =
    "DELETE FROM refresh_families WHERE id IN (SELECT f.id FROM refresh_families f "
    "WHERE f.updated_at < now() - make_interval(secs => $1::double precision) AND NOT EXISTS "
    "(SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id AND t.expires_at > now()) LIMIT $2::integer)";

// Nullable columns come back as -1 (or an empty JSON array) to keep row parsing simple.
#define AUTHD_KEY_COLUMNS \
  "id::text, user_id::text, name, prefix, array_to_json(scopes)::text, coalesce(rate_limit, -1), "   \
  "coalesce(rate_window_seconds, -1), is_active, coalesce(" AUTHD_MS("expires_at") ", -1), "         \
  "coalesce(" AUTHD_MS("last_used_at") ", -1), " AUTHD_MS("created_at") ", enabled, coalesce(disabled_reason, ''), " \
  "coalesce(metadata::text, ''), coalesce(rotated_from::text, ''), coalesce(" AUTHD_MS("rotated_at") ", -1), "      \
  "(extract(epoch FROM updated_at) * 1000000)::bigint, coalesce(credits_remaining, -1), "                           \
  "coalesce(credits_refill_amount, -1), coalesce(credits_refill_interval, ''), credits_version, credits_period"

// A grant's version: the transaction's time in µs, and always past the previous grant's (keys::KeyRecord).
#define AUTHD_CREDITS_NOW_US "(extract(epoch FROM now()) * 1000000)::bigint"
// keys::periodStart(interval, now) in unix seconds: the UTC day's or month's first second; 0 without a refill.
#define AUTHD_CREDITS_PERIOD(interval)                                           \
  "CASE " interval                                                               \
  " WHEN 'day' THEN (floor(extract(epoch FROM now()) / 86400) * 86400)::bigint " \
  "WHEN 'month' THEN extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC'))::bigint ELSE 0 END"

inline constexpr const char* kInsertKey =
    "INSERT INTO api_keys (user_id, name, key_hash, prefix, scopes, rate_limit, rate_window_seconds, expires_at, "
    "metadata, credits_remaining, credits_refill_amount, credits_refill_interval, credits_version, credits_period) "
    "VALUES ($1::uuid, $2, $3, $4, $5::text[], NULLIF($6::integer, -1), NULLIF($7::integer, -1), "
    "CASE WHEN $8::bigint < 0 THEN NULL ELSE to_timestamp($8::double precision / 1000) END, NULLIF($9, '')::json, "
    // Credits ($10 remaining, $11 refill amount, $12 interval; -1 / '' = none): a grant when there are any.
    "NULLIF($10::bigint, -1), NULLIF($11::bigint, -1), NULLIF($12::text, ''), "
    "CASE WHEN $10::bigint < 0 THEN 0 ELSE " AUTHD_CREDITS_NOW_US " END, " AUTHD_CREDITS_PERIOD("$12::text") ") "
    "RETURNING " AUTHD_KEY_COLUMNS;
inline constexpr const char* kKeyById =
    "SELECT " AUTHD_KEY_COLUMNS " FROM api_keys WHERE id = $1::uuid AND user_id = $2::uuid";
// The key's row, locked until the transaction ends (PATCH and rotation decide on what it says now).
inline constexpr const char* kLockKey = "SELECT " AUTHD_KEY_COLUMNS
                                        ", key_hash, expires_at IS NOT NULL AND expires_at <= now() FROM api_keys "
                                        "WHERE id = $1::uuid AND user_id = $2::uuid FOR UPDATE";
// PATCH: each $n::boolean says whether the field after it is being set ('' / -1 clear it).
inline constexpr const char* kUpdateKey =
    "UPDATE api_keys SET "
    "name = CASE WHEN $2::boolean THEN $3 ELSE name END, "
    "scopes = CASE WHEN $4::boolean THEN $5::text[] ELSE scopes END, "
    "rate_limit = CASE WHEN $6::boolean THEN NULLIF($7::integer, -1) ELSE rate_limit END, "
    "rate_window_seconds = CASE WHEN $6::boolean THEN NULLIF($8::integer, -1) ELSE rate_window_seconds END, "
    "expires_at = CASE WHEN NOT $9::boolean THEN expires_at WHEN $10::bigint < 0 THEN NULL "
    "ELSE to_timestamp($10::double precision / 1000) END, "
    "enabled = CASE WHEN $11::boolean THEN $12::boolean ELSE enabled END, "
    // Disabling a key reported leaked (or disabled by the operator) keeps the reason that matters; the operator's
    // ($19) overrides any.
    "disabled_reason = CASE WHEN NOT $11::boolean THEN disabled_reason WHEN $12::boolean THEN NULL "
    "WHEN $19::boolean THEN 'operator' ELSE coalesce(disabled_reason, 'user') END, "
    "metadata = CASE WHEN $13::boolean THEN NULLIF($14, '')::json ELSE metadata END, "
    // A new grant ($15): remaining $16 (-1: unlimited), refill $17/$18 (-1/'': none), a newer version.
    "credits_remaining = CASE WHEN $15::boolean THEN NULLIF($16::bigint, -1) ELSE credits_remaining END, "
    "credits_refill_amount = CASE WHEN $15::boolean THEN NULLIF($17::bigint, -1) ELSE credits_refill_amount END, "
    "credits_refill_interval = CASE WHEN $15::boolean THEN NULLIF($18::text, '') ELSE credits_refill_interval END, "
    "credits_version = CASE WHEN $15::boolean THEN greatest(credits_version + 1, " AUTHD_CREDITS_NOW_US
    ") ELSE credits_version END, "
    "credits_period = CASE WHEN $15::boolean THEN " AUTHD_CREDITS_PERIOD("$18::text") " ELSE credits_period END "
    "WHERE id = $1::uuid RETURNING " AUTHD_KEY_COLUMNS ", key_hash";
// Rotation's successor: the predecessor's settings ($1), a new hash and prefix, rotated_from. Its credits are a
// new grant (its own version) of the predecessor's settings and remaining as last flushed: the refill amount
// when a refill period began since (keys::remainingAt).
inline constexpr const char* kInsertSuccessor =
    "INSERT INTO api_keys (user_id, name, key_hash, prefix, scopes, rate_limit, rate_window_seconds, expires_at, "
    "metadata, rotated_from, credits_remaining, credits_refill_amount, credits_refill_interval, credits_version, "
    "credits_period) "
    "SELECT user_id, name, $2, $3, scopes, rate_limit, rate_window_seconds, expires_at, metadata, id, "
    "CASE WHEN credits_refill_interval IS NOT NULL AND credits_period < " AUTHD_CREDITS_PERIOD(
        "credits_refill_interval") " THEN credits_refill_amount ELSE credits_remaining END, "
    "credits_refill_amount, credits_refill_interval, "
    "CASE WHEN credits_remaining IS NULL THEN 0 ELSE " AUTHD_CREDITS_NOW_US " END, "
    "" AUTHD_CREDITS_PERIOD("credits_refill_interval") " "
    "FROM api_keys WHERE id = $1::uuid RETURNING " AUTHD_KEY_COLUMNS;
// The predecessor verifies until now + $2 seconds, never past its own expiry.
inline constexpr const char* kRetirePredecessor =
    "UPDATE api_keys SET rotated_at = now(), "
    "expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => $2::double precision)) "
    "WHERE id = $1::uuid RETURNING " AUTHD_MS("expires_at") ", (extract(epoch FROM updated_at) * 1000000)::bigint";
// A leak report: a revoked key stays revoked; one already disabled takes the reason `leaked`.
// A key the operator disabled stays the operator's (else its holder could report it to lift the operator's lock).
inline constexpr const char* kDisableLeaked =
    "UPDATE api_keys SET enabled = false, "
    "disabled_reason = CASE WHEN disabled_reason = 'operator' THEN 'operator' ELSE 'leaked' END "
    "WHERE key_hash = $1 AND is_active RETURNING " AUTHD_KEY_COLUMNS ", key_hash";
inline constexpr const char* kKeysByUser =
    "SELECT " AUTHD_KEY_COLUMNS " FROM api_keys WHERE user_id = $1::uuid ORDER BY created_at DESC, id LIMIT 1000";
inline constexpr const char* kRevokeKey =
    "UPDATE api_keys SET is_active = false, revoked_at = coalesce(revoked_at, now()) "
    "WHERE id = $1::uuid AND user_id = $2::uuid RETURNING key_hash, (extract(epoch FROM updated_at) * 1000000)::bigint";
inline constexpr const char* kKeyByHash = "SELECT " AUTHD_KEY_COLUMNS " FROM api_keys WHERE key_hash = $1";
// Whether the user may authenticate, and an operator's limit for them (NULL: the server default).
inline constexpr const char* kUserStatus =
    "SELECT is_active, rate_limit, rate_window_seconds FROM users WHERE id = $1::uuid";
// One statement per batch: ids and times travel as two arrays. Rows already as
// recent are skipped (hot keys are flushed again and again). Run with hash and
// merge joins off (see PgKeyStore::touchLastUsed): with a hash join PostgreSQL
// scans the whole table per batch; index lookups make 5,000 rows ~4x faster at
// 200k keys, and the gap grows with the table.
inline constexpr const char* kTouchLastUsed =
    "UPDATE api_keys AS k SET last_used_at = to_timestamp(v.ms::double precision / 1000) "
    "FROM unnest($1::uuid[], $2::bigint[]) AS v(id, ms) "
    "WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < to_timestamp(v.ms::double precision / 1000))";
// Usage (key_usage, usage_flushes; see PgUsageSink). A chunk's marker first: no row = applied before, skip it.
inline constexpr const char* kMarkUsageChunk =
    "INSERT INTO usage_flushes (chunk) VALUES ($1) ON CONFLICT (chunk) DO NOTHING";
// One statement per chunk: ids, minutes (unix s) and the seven counts travel as arrays. Ids not in
// api_keys are dropped by the join; the GROUP BY makes a repeated (id, minute) one row.
inline constexpr const char* kAddUsage =
    "INSERT INTO key_usage AS u (key_id, minute, valid, rate_limited, usage_exceeded, disabled, expired, revoked, "
    "other) "
    "SELECT v.id, to_timestamp(v.minute::double precision), sum(v.va)::bigint, sum(v.rl)::bigint, sum(v.ue)::bigint, "
    "sum(v.di)::bigint, sum(v.ex)::bigint, sum(v.re)::bigint, sum(v.ot)::bigint "
    "FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], "
    "$8::bigint[], $9::bigint[]) AS v(id, minute, va, rl, ue, di, ex, re, ot) "
    "JOIN api_keys k ON k.id = v.id GROUP BY v.id, v.minute "
    "ON CONFLICT (key_id, minute) DO UPDATE SET valid = u.valid + EXCLUDED.valid, "
    "rate_limited = u.rate_limited + EXCLUDED.rate_limited, usage_exceeded = u.usage_exceeded + "
    "EXCLUDED.usage_exceeded, "
    "disabled = u.disabled + EXCLUDED.disabled, expired = u.expired + EXCLUDED.expired, "
    "revoked = u.revoked + EXCLUDED.revoked, other = u.other + EXCLUDED.other";
// Retention, in bounded batches: usage of minutes before $1 (unix s), chunk markers applied before $1.
inline constexpr const char* kPruneUsage =
    "DELETE FROM key_usage u USING (SELECT key_id, minute FROM key_usage "
    "WHERE minute < to_timestamp($1::double precision) LIMIT $2::integer) d "
    "WHERE u.key_id = d.key_id AND u.minute = d.minute";
inline constexpr const char* kPruneUsageChunks =
    "DELETE FROM usage_flushes WHERE chunk IN (SELECT chunk FROM usage_flushes "
    "WHERE applied_at < to_timestamp($1::double precision) LIMIT $2::integer)";
// Credit balances flushed back from Redis (keys::CreditSink): ids, grant versions, remaining, periods as four
// arrays. Only the grant a balance belongs to takes it: a newer grant (PATCH) is never overwritten by an older
// one's count. The trigger ignores these columns: a flush-back is not a change caches must hear of.
// Returns how many keys changed and, as JSON [[id, user id, period], ...], those it took to 0: a row changes only
// when its remaining or period differs, so a 0 written is either a fall from more or a new period's refill spent,
// once per grant and period (the key.credits_exhausted events the store writes in the same transaction).
inline constexpr const char* kSaveCredits =
    "WITH u AS (UPDATE api_keys AS k SET credits_remaining = v.r, credits_period = v.p "
    "FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(id, ver, r, p) "
    "WHERE k.id = v.id AND k.credits_version = v.ver AND k.credits_remaining IS NOT NULL "
    "AND (k.credits_remaining IS DISTINCT FROM v.r OR k.credits_period IS DISTINCT FROM v.p) "
    "RETURNING k.id, k.user_id, v.r, v.p) "
    "SELECT count(*), coalesce(json_agg(json_build_array(u.id::text, u.user_id::text, u.p)) "
    "FILTER (WHERE u.r = 0), '[]')::text FROM u";
// The key filter's contents: the first 16 hex (64 bits) of every key hash.
inline constexpr const char* kAllKeyHashPrefixes = "SELECT substr(key_hash, 1, 16) FROM api_keys";

#undef AUTHD_CREDITS_PERIOD
#undef AUTHD_CREDITS_NOW_US
// Usage reads (GET /keys/:id/usage, GET /usage): key_usage's minutes summed per bucket, date_trunc in UTC by the
// granularity's name ($n::text: minute, hour, day), over [from, to) in unix s. Only the user's keys (api_keys.user_id).
#define AUTHD_USAGE_SUMS                                                                                        \
  "sum(u.valid)::bigint, sum(u.rate_limited)::bigint, sum(u.usage_exceeded)::bigint, sum(u.disabled)::bigint, " \
  "sum(u.expired)::bigint, sum(u.revoked)::bigint, sum(u.other)::bigint"
inline constexpr const char* kKeyUsageBuckets =
    "SELECT extract(epoch FROM date_trunc($3::text, u.minute, 'UTC'))::bigint AS bucket, " AUTHD_USAGE_SUMS
    " FROM key_usage u JOIN api_keys k ON k.id = u.key_id "
    "WHERE u.key_id = $1::uuid AND k.user_id = $2::uuid "
    "AND u.minute >= to_timestamp($4::double precision) AND u.minute < to_timestamp($5::double precision) "
    "GROUP BY bucket ORDER BY bucket";
inline constexpr const char* kUserUsageBuckets =
    "SELECT extract(epoch FROM date_trunc($2::text, u.minute, 'UTC'))::bigint AS bucket, " AUTHD_USAGE_SUMS
    " FROM api_keys k JOIN key_usage u ON u.key_id = k.id WHERE k.user_id = $1::uuid "
    "AND u.minute >= to_timestamp($3::double precision) AND u.minute < to_timestamp($4::double precision) "
    "GROUP BY bucket ORDER BY bucket";
// GET /usage?perKey=true: each key's sums per bucket, in order.
inline constexpr const char* kUserUsageKeyBuckets =
    "SELECT k.id::text, extract(epoch FROM date_trunc($2::text, u.minute, 'UTC'))::bigint AS bucket, " AUTHD_USAGE_SUMS
    " FROM api_keys k JOIN key_usage u ON u.key_id = k.id WHERE k.user_id = $1::uuid "
    "AND u.minute >= to_timestamp($3::double precision) AND u.minute < to_timestamp($4::double precision) "
    "GROUP BY k.id, bucket ORDER BY k.id, bucket";
// Newest key first, as GET /keys lists them.
inline constexpr const char* kUserUsageTotals =
    "SELECT k.id::text, k.name, " AUTHD_USAGE_SUMS
    " FROM api_keys k JOIN key_usage u ON u.key_id = k.id WHERE k.user_id = $1::uuid "
    "AND u.minute >= to_timestamp($2::double precision) AND u.minute < to_timestamp($3::double precision) "
    "GROUP BY k.id, k.name, k.created_at ORDER BY k.created_at DESC, k.id";

// The outbox (sql/006_events.sql): one event, and its fan-out to every live endpoint that wants it (the
// operator's, user_id NULL, gets every type; a user's gets its own events, never an operator-only type ($11)),
// in the caller's transaction. $1 type, $2 user id or '', $3 actor type, $4 actor id or '', $5 target type,
// $6 target id or '', $7 client address or '', $8 user agent or '', $9 data (a JSON object's text).
// Returns the event's id, seq and time in µs.
inline constexpr const char* kAppendEvent =
    "WITH e AS (INSERT INTO events (type, user_id, actor_type, actor_id, target_type, target_id, client_address, "
    "user_agent, data) VALUES ($1, nullif($2, '')::uuid, $3, nullif($4, ''), $5, nullif($6, ''), nullif($7, ''), "
    "nullif($8, ''), $9::jsonb) RETURNING id, seq, at, user_id, type), "
    "d AS (INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT w.id, e.id FROM e JOIN webhooks w "
    "ON w.deleted_at IS NULL AND (w.user_id IS NULL OR (w.user_id = e.user_id AND NOT $10::boolean)) "
    "AND (cardinality(w.events) = 0 OR e.type = ANY(w.events))) "
    "SELECT id::text, seq, (extract(epoch FROM at) * 1000000)::bigint FROM e";

// The transactional outbox's writers (issue 16): a leak report locks the key it names before it disables it, so
// that only the report that changed the key records key.leaked.
inline constexpr const char* kLockKeyByHash =
    "SELECT " AUTHD_KEY_COLUMNS " FROM api_keys WHERE key_hash = $1 FOR UPDATE";
// The audit log (GET /audit, retention) and the expiry scan (issue 16, audit piece). Lock ids are arbitrary but
// fixed: every instance takes the same one, so one instance at a time prunes and scans.
inline constexpr long long kAuditPruneLockId = 0x61757468645f70;  // "authd_p"
inline constexpr long long kExpiryScanLockId = 0x61757468645f78;  // "authd_x"
// true when this transaction got the lock $1 (held until it ends); false when another holds it.
inline constexpr const char* kTryXactLock = "SELECT pg_try_advisory_xact_lock($1::bigint)";
// A user's events with seq < $2, newest first, at most $3 (webhook.test is never in the log). Nullable text comes
// back as ''; `at` in µs.
inline constexpr const char* kAuditUserEvents =
    "SELECT id::text, seq, (extract(epoch FROM at) * 1000000)::bigint, coalesce(user_id::text, ''), type, "
    "actor_type, coalesce(actor_id, ''), target_type, coalesce(target_id, ''), coalesce(client_address, ''), "
    "coalesce(user_agent, ''), data::text FROM events "
    "WHERE user_id = $1::uuid AND seq < $2::bigint AND type <> 'webhook.test' ORDER BY seq DESC LIMIT $3::integer";
// Retention, in bounded batches: events written before $1 (unix s); their deliveries go with them (CASCADE).
inline constexpr const char* kPruneEvents =
    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < to_timestamp($1::double precision) "
    "LIMIT $2::integer)";
// Expiry notices for an expiresAt more than $1 seconds ago, in bounded batches ($2 rows): the prune passes the
// scan's lookback (events::kExpiredLookback) plus a day, so only rows the scan no longer looks for go (one it
// still looked for would be sent again).
inline constexpr const char* kPruneExpiryNotices =
    "DELETE FROM key_expiry_notices WHERE (key_id, expires_at, threshold) IN (SELECT key_id, expires_at, threshold "
    "FROM key_expiry_notices WHERE expires_at < now() - $1::double precision * interval '1 second' "
    "LIMIT $2::integer)";
// Keys due an expiry notice at $1 (unix s): live (not revoked nor deleted; disabled ones too, they may come back;
// not rotated: key.rotated already told when a replaced key's grace ends)
// with expiresAt in ($4, $3], i.e. after now minus the lookback and at most 7 days ahead; the one notice due, the
// most specific (expired at or before $1, 1d up to $2, else 7d), not written before for this expiresAt. Oldest
// expiry first, at most $5. Id, owner, expiresAt in µs, threshold.
inline constexpr const char* kExpiryCandidates =
    "SELECT k.id::text, k.user_id::text, (extract(epoch FROM k.expires_at) * 1000000)::bigint, t.threshold "
    "FROM api_keys k CROSS JOIN LATERAL (SELECT CASE WHEN k.expires_at <= to_timestamp($1::double precision) "
    "THEN 'expired' WHEN k.expires_at <= to_timestamp($2::double precision) THEN '1d' ELSE '7d' END AS threshold) t "
    "WHERE k.is_active AND k.revoked_at IS NULL AND k.rotated_at IS NULL AND k.expires_at IS NOT NULL "
    "AND k.expires_at > to_timestamp($4::double precision) AND k.expires_at <= to_timestamp($3::double precision) "
    "AND NOT EXISTS (SELECT 1 FROM key_expiry_notices n WHERE n.key_id = k.id AND n.expires_at = k.expires_at "
    "AND n.threshold = t.threshold) ORDER BY k.expires_at, k.id LIMIT $5::integer";
// Marks notice $3 written for key $1 at its expiresAt $2 (µs): one row when it is new, none when it was written
// before or the key's expiresAt is no longer $2 (changed since the scan read it: the next scan sees the new one).
inline constexpr const char* kInsertExpiryNotice =
    "INSERT INTO key_expiry_notices (key_id, expires_at, threshold) SELECT id, expires_at, $3 FROM api_keys "
    "WHERE id = $1::uuid AND (extract(epoch FROM expires_at) * 1000000)::bigint = $2::bigint "
    "ON CONFLICT DO NOTHING";
// --- Webhook delivery (the delivery worker, events/delivery_worker.hpp) ---
// Claims up to $1 due pending deliveries, oldest due first, skipping rows another claim holds, and moves each one's
// next attempt a lease ($2 ms) ahead with one more attempt counted, before anything is sent: one instance sends
// each attempt, and an attempt lost with its instance is due again once the lease runs out. Returns the row, its
// endpoint and its event.
inline constexpr const char* kClaimDeliveries =
    "WITH due AS MATERIALIZED (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= now() "
    "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED), "
    "c AS (UPDATE webhook_deliveries d SET next_attempt_at = now() + $2::double precision * interval '1 millisecond', "
    "attempts = d.attempts + 1 FROM due WHERE d.id = due.id RETURNING d.id, d.attempts, d.webhook_id, d.event_id) "
    "SELECT c.id, c.attempts, w.id::text, w.url, w.secret_encrypted, w.deleted_at IS NOT NULL, e.id::text, e.seq, "
    "e.type, (extract(epoch FROM e.at) * 1000000)::bigint, coalesce(e.user_id::text, ''), e.actor_type, "
    "coalesce(e.actor_id, ''), e.target_type, coalesce(e.target_id, ''), coalesce(e.client_address, ''), "
    "coalesce(e.user_agent, ''), e.data::text "
    "FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id ORDER BY c.id";
// An attempt's outcome, only on the row still pending with the claim's attempts ($2): $1 id, $3 the new state,
// $4 HTTP status (0: none), $5 error ('' when none), $6 the delay before the next attempt in ms (state pending).
inline constexpr const char* kRecordDelivery =
    "UPDATE webhook_deliveries SET state = $3, last_status = nullif($4::integer, 0), last_error = nullif($5, ''), "
    "last_attempt_at = now(), next_attempt_at = CASE WHEN $3 = 'pending' "
    "THEN now() + $6::double precision * interval '1 millisecond' ELSE next_attempt_at END "
    "WHERE id = $1 AND attempts = $2 AND state = 'pending'";
// The pending backlog and the oldest pending delivery's age in seconds (on the partial index of pending rows).
inline constexpr const char* kDeliveryQueueStats =
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::double precision "
    "FROM webhook_deliveries WHERE state = 'pending'";
// --- Webhook endpoints (issue 16: the endpoints piece, store/pg/pg_webhooks). ---
// Serialises the changes of one user's endpoints ($1 the user's id), or of the operator's ($1 'operator'), until
// the transaction ends: the count before an insert holds until it commits.
inline constexpr const char* kLockWebhooks =
    "SELECT pg_advisory_xact_lock(hashtextextended('authd.webhooks:' || $1, 0))";
inline constexpr const char* kCountLiveWebhooks =
    "SELECT count(*) FROM webhooks WHERE user_id = $1::uuid AND deleted_at IS NULL";
// $1 id, $2 user id ('' for the operator's), $3 url, $4 events (an array literal), $5 the sealed secret.
inline constexpr const char* kInsertWebhook =
    "INSERT INTO webhooks (id, user_id, url, events, secret_encrypted) "
    "VALUES ($1::uuid, nullif($2, '')::uuid, $3, $4::text[], $5) RETURNING " AUTHD_MS("created_at");
#define AUTHD_WEBHOOK_COLUMNS \
  "id::text, coalesce(user_id::text, ''), url, array_to_json(events)::text, " AUTHD_MS("created_at")
inline constexpr const char* kWebhooksByUser = "SELECT " AUTHD_WEBHOOK_COLUMNS
                                               " FROM webhooks WHERE user_id = $1::uuid AND deleted_at IS NULL "
                                               "ORDER BY created_at DESC, id";
inline constexpr const char* kDeleteWebhook =
    "UPDATE webhooks SET deleted_at = now() WHERE id = $1::uuid AND user_id = $2::uuid AND deleted_at IS NULL "
    "RETURNING id::text";
// A deleted endpoint's deliveries still waiting will never be sent.
inline constexpr const char* kFailWebhookDeliveries =
    "UPDATE webhook_deliveries SET state = 'failed', last_error = 'endpoint deleted' "
    "WHERE webhook_id = $1::uuid AND state = 'pending'";
inline constexpr const char* kWebhookIsLive =
    "SELECT 1 FROM webhooks WHERE id = $1::uuid AND user_id = $2::uuid AND deleted_at IS NULL";
// The same, holding the row until the transaction ends (a concurrent DELETE waits).
inline constexpr const char* kLockLiveWebhook =
    "SELECT 1 FROM webhooks WHERE id = $1::uuid AND user_id = $2::uuid AND deleted_at IS NULL FOR SHARE";
// $1 the endpoint, $2 the page size. Missing times and statuses as -1, last_error '' with a flag.
inline constexpr const char* kWebhookDeliveries =
    "SELECT d.id, d.event_id::text, e.type, d.state, d.attempts, coalesce(d.last_status, -1), "
    "coalesce(d.last_error, ''), d.last_error IS NOT NULL, coalesce(" AUTHD_MS("d.last_attempt_at") ", -1), "
    AUTHD_MS("d.next_attempt_at") ", " AUTHD_MS("d.created_at")
    " FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.webhook_id = $1::uuid "
    "ORDER BY d.id DESC LIMIT $2";
// webhook.test: the event ($1-$9 as in kAppendEvent) and one delivery, to endpoint $10 alone (no fan-out).
inline constexpr const char* kInsertTestEvent =
    "WITH e AS (INSERT INTO events (type, user_id, actor_type, actor_id, target_type, target_id, client_address, "
    "user_agent, data) VALUES ($1, nullif($2, '')::uuid, $3, nullif($4, ''), $5, nullif($6, ''), nullif($7, ''), "
    "nullif($8, ''), $9::jsonb) RETURNING id), "
    "d AS (INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT $10::uuid, e.id FROM e) "
    "SELECT id::text FROM e";
// The operator's endpoint (WEBHOOK_URL): at most one live row (webhooks_operator_idx).
inline constexpr const char* kOperatorWebhook =
    "SELECT id::text FROM webhooks WHERE user_id IS NULL AND deleted_at IS NULL FOR UPDATE";
inline constexpr const char* kUpdateOperatorWebhook =
    "UPDATE webhooks SET url = $2, events = '{}', secret_encrypted = $3 WHERE id = $1::uuid";
inline constexpr const char* kDeleteOperatorWebhook =
    "UPDATE webhooks SET deleted_at = now() WHERE user_id IS NULL AND deleted_at IS NULL RETURNING id::text";

// Sessions and passwords (issue 17: the sessions piece). A user's live sessions: unrevoked, with an unspent,
// unrevoked, unexpired refresh token. Nullable text as ''.
inline constexpr const char* kLiveSessions =
    "SELECT f.id::text, " AUTHD_MS("f.created_at") ", " AUTHD_MS("f.last_refreshed_at") ", coalesce(f.user_agent, ''), "
    "coalesce(f.client_address, '') FROM refresh_families f WHERE f.user_id = $1::uuid AND f.revoked_at IS NULL "
    "AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id AND t.used_at IS NULL "
    "AND t.revoked_at IS NULL AND t.expires_at > now()) ORDER BY f.last_refreshed_at DESC, f.id LIMIT 1000";
// Revokes user $1's unrevoked sessions: only $2 (when not '', and only if it is live), else all but $3 (when not '').
// Returns each one's id and revocation time (unix s). Each row is locked like a rotation locks it, so a racing
// rotation either committed before (its successor is revoked with the family's tokens) or finds it revoked.
inline constexpr const char* kRevokeUserSessions =
    "UPDATE refresh_families f SET revoked_at = clock_timestamp(), updated_at = clock_timestamp() "
    "WHERE f.user_id = $1::uuid AND f.revoked_at IS NULL "
    "AND (nullif($2, '') IS NULL OR (f.id = nullif($2, '')::uuid AND EXISTS (SELECT 1 FROM refresh_tokens t "
    "WHERE t.family_id = f.id AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()))) "
    "AND (nullif($3, '') IS NULL OR f.id <> nullif($3, '')::uuid) "
    "RETURNING f.id::text, extract(epoch FROM f.revoked_at)::bigint";
// kRevokeFamilyTokens for many families at once ($1: a uuid[] literal), in a statement of its own after
// kRevokeUserSessions, so it sees a successor a racing rotation committed while that one waited for the lock.
inline constexpr const char* kRevokeFamiliesTokens =
    "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = ANY($1::uuid[]) AND revoked_at IS NULL";
inline constexpr const char* kSetPasswordHash = "UPDATE users SET password_hash = $2 WHERE id = $1::uuid";
// A login's rehash of an imported bcrypt hash ($2) to argon2id ($3): only while $2 is still the user's hash, so a
// password change or reset that committed meanwhile wins.
inline constexpr const char* kUpgradePasswordHash =
    "UPDATE users SET password_hash = $3 WHERE id = $1::uuid AND password_hash = $2";
// Every outstanding reset of user $1 is spent when their password changes.
inline constexpr const char* kSpendUserResets =
    "UPDATE password_resets SET used_at = clock_timestamp() WHERE user_id = $1::uuid AND used_at IS NULL";
// One statement whether or not the email ($1, normalised) is an active user's: the reset ($2 id, $3 token hash,
// $4 expiry in ms) and its event ($5 type, $6 actor type, $7 target type, $8 client address or '', $9 user agent or
// '', $10 data) with its fan-out to the operator's endpoint alone (an operator-only type), only when it is.
// Returns how many events it wrote (0 or 1).
inline constexpr const char* kRequestReset =
    "WITH u AS (SELECT id FROM users WHERE lower(email) = $1 AND is_active LIMIT 1), "
    "r AS (INSERT INTO password_resets (id, user_id, token_hash, expires_at) "
    "SELECT $2::uuid, u.id, $3::text, to_timestamp($4::double precision / 1000) FROM u RETURNING user_id), "
    "e AS (INSERT INTO events (type, user_id, actor_type, actor_id, target_type, target_id, client_address, "
    "user_agent, data) SELECT $5::text, r.user_id, $6::text, NULL::text, $7::text, r.user_id::text, "
    "nullif($8::text, ''), nullif($9::text, ''), "
    "$10::jsonb FROM r RETURNING id, type), "
    "d AS (INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT w.id, e.id FROM e JOIN webhooks w "
    "ON w.deleted_at IS NULL AND w.user_id IS NULL AND (cardinality(w.events) = 0 OR e.type = ANY(w.events))) "
    "SELECT count(*) FROM e";
// Spends the unused, unexpired reset with token hash $1 of an active user; its user's id, no row otherwise.
inline constexpr const char* kSpendReset =
    "UPDATE password_resets r SET used_at = clock_timestamp() FROM users u WHERE r.token_hash = $1 "
    "AND r.used_at IS NULL AND r.expires_at > now() AND u.id = r.user_id AND u.is_active RETURNING r.user_id::text";
// Resets that can no longer be used, a day past their expiry, in bounded batches.
inline constexpr const char* kPrunePasswordResets =
    "DELETE FROM password_resets WHERE id IN (SELECT id FROM password_resets "
    "WHERE expires_at < now() - interval '1 day' LIMIT $1::integer)";
// authd admin (the operator's CLI). A user as the operator sees it: the scheme of the password hash (argon2id, or
// bcrypt for an account imported from the NestJS service that has not logged in since) and the live keys' count.
#define AUTHD_ADMIN_USER_COLUMNS \
  "id::text, email, name, is_active, " AUTHD_MS("created_at") ", coalesce(rate_limit, -1), "                      \
  "coalesce(rate_window_seconds, -1), CASE WHEN password_hash LIKE '$argon2id$%' THEN 'argon2id' "                \
  "WHEN password_hash LIKE '$2_$%' THEN 'bcrypt' ELSE 'other' END, "                                               \
  "(SELECT count(*) FROM api_keys k WHERE k.user_id = users.id AND k.is_active AND k.revoked_at IS NULL)::bigint"
// A page of users by email (lower-cased), after $1, at most $2.
inline constexpr const char* kAdminUsers =
    "SELECT " AUTHD_ADMIN_USER_COLUMNS " FROM users WHERE lower(email) > $1 ORDER BY lower(email) LIMIT $2::integer";
inline constexpr const char* kAdminUserByEmail =
    "SELECT " AUTHD_ADMIN_USER_COLUMNS " FROM users WHERE lower(email) = $1";
inline constexpr const char* kAdminUserById = "SELECT " AUTHD_ADMIN_USER_COLUMNS " FROM users WHERE id = $1::uuid";
#undef AUTHD_ADMIN_USER_COLUMNS
// Only a change is written (and so recorded): a row when is_active changed.
inline constexpr const char* kAdminSetActive =
    "UPDATE users SET is_active = $2::boolean WHERE id = $1::uuid AND is_active <> $2::boolean RETURNING id::text";
// The operator's limit for one user ($2/$3; -1/-1: back to USER_RATE_LIMIT); a row when it changed.
inline constexpr const char* kAdminSetUserLimit =
    "UPDATE users SET rate_limit = NULLIF($2::integer, -1), rate_window_seconds = NULLIF($3::integer, -1) "
    "WHERE id = $1::uuid AND (rate_limit IS DISTINCT FROM NULLIF($2::integer, -1) "
    "OR rate_window_seconds IS DISTINCT FROM NULLIF($3::integer, -1)) RETURNING id::text";
// The original NestJS service's keys the import listed for the user to re-issue (never a hash), oldest first.
inline constexpr const char* kAdminKeysToReissue =
    "SELECT id::text, name, is_active, coalesce(" AUTHD_MS("expires_at") ", -1), coalesce(" AUTHD_MS(
        "last_used_at") ", -1) FROM nestjs_import_keys WHERE user_id = $1::uuid ORDER BY created_at, id";
// Whose key this is (any user's).
inline constexpr const char* kAdminKeyOwner = "SELECT user_id::text FROM api_keys WHERE id = $1::uuid";
// `authd import-nestjs` (store/pg/pg_nestjs_import): run with exec_params on the import's own connections, never
// prepared. The source's statements read the original service's TypeORM tables (quoted camelCase columns) in a
// read-only transaction, and never its password or key hashes beyond users.password. Its timestamps are
// `timestamp without time zone` and read as UTC (the session's time zone is set to UTC first), as text that
// PostgreSQL reads back as timestamptz.
#define AUTHD_SOURCE_TIME(col) "to_char(" col ", 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"
inline constexpr const char* kSourceUtc = "SET LOCAL TIME ZONE 'UTC'";
inline constexpr const char* kSourceUserCount = "SELECT count(*) FROM \"users\"";
#define AUTHD_SOURCE_USER_COLUMNS                                                             \
  "SELECT id::text, email, name, password, coalesce(\"isActive\", true), " AUTHD_SOURCE_TIME( \
      "\"createdAt\"") " FROM \"users\" "
// A page of users in id order: the first ($1 rows), then those after id $1 ($2 rows).
inline constexpr const char* kSourceUsersFirst = AUTHD_SOURCE_USER_COLUMNS "ORDER BY id LIMIT $1::integer";
inline constexpr const char* kSourceUsersAfter =
    AUTHD_SOURCE_USER_COLUMNS "WHERE id > $1::uuid ORDER BY id LIMIT $2::integer";
// The keys of the users in $1 (a uuid[] literal), without their hash ("key").
inline constexpr const char* kSourceKeysOf =
    "SELECT id::text, \"userId\"::text, coalesce(name, ''), coalesce(\"isActive\", true), " AUTHD_SOURCE_TIME(
        "\"expiresAt\"") ", " AUTHD_SOURCE_TIME("\"lastUsedAt\"") ", " AUTHD_SOURCE_TIME(
        "\"createdAt\"") " FROM \"api_keys\" WHERE \"userId\" = ANY($1::uuid[]) ORDER BY \"userId\", \"createdAt\", id";
inline constexpr const char* kSourceKeyCount = "SELECT count(*) FROM \"api_keys\"";
#undef AUTHD_SOURCE_USER_COLUMNS
#undef AUTHD_SOURCE_TIME
// authd's users that share the id $1 or the email $2 (in any case); the second column: the email is the same.
inline constexpr const char* kImportMatches =
    "SELECT id::text, lower(email) = lower($2) FROM users WHERE id = $1::uuid OR lower(email) = lower($2)";
// An imported user: id, email, name, bcrypt hash, is_active, created_at (text or NULL: now). Nothing when the id or
// the email exists meanwhile (a signup racing the import).
inline constexpr const char* kImportUser =
    "INSERT INTO users (id, email, name, password_hash, is_active, created_at, updated_at) "
    "VALUES ($1::uuid, $2, $3, $4, $5, coalesce($6::timestamptz, now()), coalesce($6::timestamptz, now())) "
    "ON CONFLICT DO NOTHING";
// An original key listed for re-issue (migration 009): id, user, name, is_active, expires_at, last_used_at,
// created_at; nothing when an earlier import listed it.
inline constexpr const char* kImportKey =
    "INSERT INTO nestjs_import_keys (id, user_id, name, is_active, expires_at, last_used_at, created_at) "
    "VALUES ($1::uuid, $2::uuid, $3, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz) ON CONFLICT (id) DO "
    "NOTHING";
// Versions of the migrations applied (--dry-run applies the pending ones in the transaction it rolls back).
inline constexpr const char* kHasMigrationLedger = "SELECT to_regclass('schema_migrations') IS NOT NULL";
inline constexpr const char* kAppliedMigrations = "SELECT version FROM schema_migrations";

#undef AUTHD_WEBHOOK_COLUMNS

#undef AUTHD_USAGE_SUMS
#undef AUTHD_KEY_COLUMNS
#undef AUTHD_MS

// (name, statement) pairs prepared on every new connection.
inline const std::vector<std::pair<const char*, const char*>>& preparedStatements() {
  static const std::vector<std::pair<const char*, const char*>> kAll{
      {"insert_user", kInsertUser},
      {"user_by_email", kUserByEmail},
      {"user_by_id", kUserById},
      {"insert_family", kInsertFamily},
      {"user_still_has_hash", kUserStillHasHash},
      {"insert_refresh", kInsertRefresh},
      {"refresh_by_hash", kRefreshByHash},
      {"lock_family", kLockFamily},
      {"mark_refresh_used", kMarkRefreshUsed},
      {"touch_family", kTouchFamily},
      {"revoke_family", kRevokeFamily},
      {"revoke_family_tokens", kRevokeFamilyTokens},
      {"revoke_access_token", kRevokeAccessToken},
      {"prune_revoked_access_tokens", kPruneRevokedAccessTokens},
      {"prune_families", kPruneFamilies},
      {"insert_key", kInsertKey},
      {"keys_by_user", kKeysByUser},
      {"revoke_key", kRevokeKey},
      {"key_by_id", kKeyById},
      {"lock_key", kLockKey},
      {"update_key", kUpdateKey},
      {"insert_successor", kInsertSuccessor},
      {"retire_predecessor", kRetirePredecessor},
      {"disable_leaked", kDisableLeaked},
      {"key_by_hash", kKeyByHash},
      {"user_status", kUserStatus},
      {"admin_users", kAdminUsers},
      {"admin_user_by_email", kAdminUserByEmail},
      {"admin_user_by_id", kAdminUserById},
      {"admin_set_active", kAdminSetActive},
      {"admin_set_user_limit", kAdminSetUserLimit},
      {"admin_key_owner", kAdminKeyOwner},
      {"admin_keys_to_reissue", kAdminKeysToReissue},
      {"touch_last_used", kTouchLastUsed},
      {"mark_usage_chunk", kMarkUsageChunk},
      {"add_usage", kAddUsage},
      {"prune_usage", kPruneUsage},
      {"prune_usage_chunks", kPruneUsageChunks},
      {"save_credits", kSaveCredits},
      {"key_usage_buckets", kKeyUsageBuckets},
      {"user_usage_buckets", kUserUsageBuckets},
      {"user_usage_totals", kUserUsageTotals},
      {"user_usage_key_buckets", kUserUsageKeyBuckets},
      {"append_event", kAppendEvent},
      // The transactional outbox's writers (issue 16).
      {"lock_key_by_hash", kLockKeyByHash},
      // The audit log and the expiry scan (issue 16, audit piece).
      {"try_xact_lock", kTryXactLock},
      {"audit_user_events", kAuditUserEvents},
      {"prune_events", kPruneEvents},
      {"prune_expiry_notices", kPruneExpiryNotices},
      {"expiry_candidates", kExpiryCandidates},
      {"insert_expiry_notice", kInsertExpiryNotice},
      // Webhook delivery.
      {"claim_deliveries", kClaimDeliveries},
      {"record_delivery", kRecordDelivery},
      {"delivery_queue_stats", kDeliveryQueueStats},
      // Webhook endpoints (issue 16: the endpoints piece).
      {"lock_webhooks", kLockWebhooks},
      {"count_live_webhooks", kCountLiveWebhooks},
      {"insert_webhook", kInsertWebhook},
      {"webhooks_by_user", kWebhooksByUser},
      {"delete_webhook", kDeleteWebhook},
      {"fail_webhook_deliveries", kFailWebhookDeliveries},
      {"webhook_is_live", kWebhookIsLive},
      {"lock_live_webhook", kLockLiveWebhook},
      {"webhook_deliveries", kWebhookDeliveries},
      {"insert_test_event", kInsertTestEvent},
      {"operator_webhook", kOperatorWebhook},
      {"update_operator_webhook", kUpdateOperatorWebhook},
      {"delete_operator_webhook", kDeleteOperatorWebhook},
      // Sessions and passwords (issue 17: the sessions piece).
      {"live_sessions", kLiveSessions},
      {"revoke_user_sessions", kRevokeUserSessions},
      {"revoke_families_tokens", kRevokeFamiliesTokens},
      {"set_password_hash", kSetPasswordHash},
      {"upgrade_password_hash", kUpgradePasswordHash},
      {"spend_user_resets", kSpendUserResets},
      {"request_reset", kRequestReset},
      {"spend_reset", kSpendReset},
      {"prune_password_resets", kPrunePasswordResets},
  };
  return kAll;
}

}  // namespace authd::store::pg::sql
