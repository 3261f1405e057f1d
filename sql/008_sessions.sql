-- 008: sessions as users see them (GET /auth/sessions) and password resets.

-- Where a session was started (the login's or signup's request) and when it last
-- rotated. last_refreshed_at starts at the login and moves with each rotation only
-- (updated_at also moves on revocation, for the pruner).
ALTER TABLE refresh_families
  ADD COLUMN user_agent        text,
  ADD COLUMN client_address    text,
  ADD COLUMN last_refreshed_at timestamptz;
UPDATE refresh_families SET last_refreshed_at = updated_at;
ALTER TABLE refresh_families
  ALTER COLUMN last_refreshed_at SET DEFAULT now(),
  ALTER COLUMN last_refreshed_at SET NOT NULL;
-- The session list and revoke-all read a user's unrevoked families.
CREATE INDEX refresh_families_user_live_idx ON refresh_families (user_id, last_refreshed_at DESC)
  WHERE revoked_at IS NULL;

-- One-time password reset tokens (POST /auth/password-reset/request), stored
-- only as the SHA-256 hex of the token. used_at is set in the transaction that
-- changes the password, so a token works once.
CREATE TABLE password_resets (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL CHECK (length(token_hash) = 64),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE UNIQUE INDEX password_resets_token_hash_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
-- Lapsed rows are pruned by expiry.
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);
