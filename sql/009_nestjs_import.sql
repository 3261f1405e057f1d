-- 009: the original NestJS service's API keys, listed for re-issue by `authd import-nestjs`.
-- That service kept keys only as bcrypt hashes, which cannot be looked up by hash: they never
-- authenticate here. Each row says that a user had such a key (its name and state), so that the
-- operator can tell them to create a new one. The hash itself is not copied, and /verify never
-- reads this table. id is the key's id in the original service, so a second import adds nothing.
CREATE TABLE nestjs_import_keys (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  is_active    boolean NOT NULL,
  expires_at   timestamptz,
  last_used_at timestamptz,
  created_at   timestamptz,
  imported_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX nestjs_import_keys_user_idx ON nestjs_import_keys (user_id);
