-- 001: users, refresh-token sessions and API keys.
-- Secrets are never stored: passwords as argon2id PHC strings, refresh tokens
-- and API keys as hex SHA-256.

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  password_hash text NOT NULL,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  is_active     boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- One row per issued refresh token; a family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id   uuid NOT NULL,
  token_hash  text NOT NULL CHECK (length(token_hash) = 64),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,   -- set when rotated; a second use revokes the family
  revoked_at  timestamptz,   -- set on logout or reuse detection
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE api_keys (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  key_hash            text NOT NULL CHECK (length(key_hash) = 64),
  prefix              text NOT NULL,
  scopes              text[] NOT NULL DEFAULT '{}',
  rate_limit          integer CHECK (rate_limit >= 0),
  rate_window_seconds integer CHECK (rate_window_seconds > 0),
  is_active           boolean NOT NULL DEFAULT true,
  expires_at          timestamptz,
  last_used_at        timestamptz,
  revoked_at          timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now()
);
-- The verify path looks keys up by hash; listing is per user, newest first.
CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);
CREATE INDEX api_keys_user_created_idx ON api_keys (user_id, created_at DESC);
