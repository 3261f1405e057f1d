-- 004: a key's lifecycle beyond create and revoke. `enabled` is reversible
-- (PATCH), `is_active = false` stays final (DELETE). Rotation links the new key
-- to the old one (rotated_from) and marks the old one (rotated_at) while it
-- verifies out its grace period, which is simply its expires_at moved closer.
ALTER TABLE api_keys
  ADD COLUMN enabled         boolean NOT NULL DEFAULT true,
  ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('user', 'leaked')),
  ADD COLUMN metadata        json CHECK (metadata IS NULL OR json_typeof(metadata) = 'object'),
  ADD COLUMN rotated_from    uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  ADD COLUMN rotated_at      timestamptz,
  ADD CONSTRAINT api_keys_enabled_reason_check CHECK (enabled = (disabled_reason IS NULL)),
  ADD CONSTRAINT api_keys_metadata_size_check CHECK (metadata IS NULL OR octet_length(metadata::text) <= 4096);

-- At most one successor per key, whatever races: a second rotation cannot commit.
CREATE UNIQUE INDEX api_keys_rotated_from_key ON api_keys (rotated_from) WHERE rotated_from IS NOT NULL;

-- Every change a verification or a listing can see bumps updated_at (the
-- invalidation poll's watermark); last_used_at flushes still do not.
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
                  OR OLD.metadata::text IS DISTINCT FROM NEW.metadata::text)
  EXECUTE FUNCTION authd_touch_updated_at();
