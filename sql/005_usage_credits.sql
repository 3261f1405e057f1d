-- 005: usage per key per minute, credits, and per-user rate limits.

-- Credits: NULL remaining = unlimited. Redis holds the live count while keys are
-- used; flushes copy it back here (credits_remaining, credits_period) without
-- touching updated_at. A grant (create, PATCH) sets credits_version (µs), and a
-- Redis copy older than the grant is replaced by the grant.
ALTER TABLE api_keys
  ADD COLUMN credits_remaining       bigint CHECK (credits_remaining >= 0),
  ADD COLUMN credits_refill_amount   bigint CHECK (credits_refill_amount > 0),
  ADD COLUMN credits_refill_interval text CHECK (credits_refill_interval IN ('day', 'month')),
  ADD COLUMN credits_version         bigint NOT NULL DEFAULT 0,
  ADD COLUMN credits_period          bigint NOT NULL DEFAULT 0,  -- unix s: the refill period `remaining` belongs to
  ADD CONSTRAINT api_keys_credits_refill_pair_check
    CHECK ((credits_refill_amount IS NULL) = (credits_refill_interval IS NULL)),
  ADD CONSTRAINT api_keys_credits_refill_needs_credits_check
    CHECK (credits_refill_amount IS NULL OR credits_remaining IS NOT NULL);

-- An operator's per-user limit (authd admin): NULL = the server's USER_RATE_LIMIT, 0 = none.
ALTER TABLE users
  ADD COLUMN rate_limit          integer CHECK (rate_limit >= 0),
  ADD COLUMN rate_window_seconds integer CHECK (rate_window_seconds > 0),
  ADD CONSTRAINT users_rate_limit_pair_check CHECK ((rate_limit IS NULL) = (rate_window_seconds IS NULL));

-- /verify answers per key per UTC minute, by outcome. Flushes add to a row.
CREATE TABLE key_usage (
  key_id         uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  minute         timestamptz NOT NULL,
  valid          bigint NOT NULL DEFAULT 0,
  rate_limited   bigint NOT NULL DEFAULT 0,
  usage_exceeded bigint NOT NULL DEFAULT 0,
  disabled       bigint NOT NULL DEFAULT 0,
  expired        bigint NOT NULL DEFAULT 0,
  revoked        bigint NOT NULL DEFAULT 0,
  other          bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, minute)
);
-- Retention prunes by time.
CREATE INDEX key_usage_minute_idx ON key_usage (minute);

-- Chunks of usage already added (a flush that died after its commit is not added twice).
CREATE TABLE usage_flushes (
  chunk      text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_flushes_applied_idx ON usage_flushes (applied_at);

-- A grant or a new refill is a change every instance must hear of; flushes of
-- the live remaining count (credits_remaining, credits_period) are not.
DROP TRIGGER api_keys_touch ON api_keys;
CREATE TRIGGER api_keys_touch BEFORE UPDATE ON api_keys
  FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
                  OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
                  OR OLD.scopes IS DISTINCT FROM NEW.scopes
                  OR OLD.rate_limit IS DISTINCT FROM NEW.rate_limit
                  OR OLD.rate_window_seconds IS DISTINCT FROM NEW.rate_window_seconds
                  OR OLD.enabled IS DISTINCT FROM NEW.enabled
                  OR OLD.disabled_reason IS DISTINCT FROM NEW.disabled_reason
                  OR OLD.rotated_at IS DISTINCT FROM NEW.rotated_at
                  OR OLD.name IS DISTINCT FROM NEW.name
                  OR OLD.metadata::text IS DISTINCT FROM NEW.metadata::text
                  OR OLD.credits_version IS DISTINCT FROM NEW.credits_version
                  OR OLD.credits_refill_amount IS DISTINCT FROM NEW.credits_refill_amount
                  OR OLD.credits_refill_interval IS DISTINCT FROM NEW.credits_refill_interval)
  EXECUTE FUNCTION authd_touch_updated_at();
