-- 002: what every authd instance must learn within a second, kept in
-- PostgreSQL (the source of truth) and polled by change time, so revocation
-- holds even while Redis (the fast pub/sub path) is down.

-- Access tokens denied by logout, until they would have expired anyway.
CREATE TABLE revoked_access_tokens (
  jti        uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX revoked_access_tokens_created_idx ON revoked_access_tokens (created_at);
CREATE INDEX revoked_access_tokens_expires_idx ON revoked_access_tokens (expires_at);

-- Any change to a user or a key bumps updated_at, which the poll watches;
-- an operator's `UPDATE users SET is_active = false` is seen within a second.
ALTER TABLE api_keys ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION authd_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END $$;

CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION authd_touch_updated_at();
-- last_used_at flushes are not changes anyone needs to hear about.
CREATE TRIGGER api_keys_touch BEFORE UPDATE ON api_keys
  FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
                  OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
                  OR OLD.scopes IS DISTINCT FROM NEW.scopes
                  OR OLD.rate_limit IS DISTINCT FROM NEW.rate_limit
                  OR OLD.rate_window_seconds IS DISTINCT FROM NEW.rate_window_seconds)
  EXECUTE FUNCTION authd_touch_updated_at();

CREATE INDEX users_updated_idx ON users (updated_at);
CREATE INDEX api_keys_updated_idx ON api_keys (updated_at);
