-- 003: one row per session (refresh-token family), the lock and the truth of
-- its revocation. id is the family id, which access tokens carry as `sid`.
-- Rotation locks the row (SELECT ... FOR UPDATE) in the transaction that
-- spends a token and inserts its successor, and logout or reuse detection set
-- revoked_at on it: once revoked_at is set, no token of the family, earlier or
-- later, refreshes again, and every access token with that sid is refused.
CREATE TABLE refresh_families (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),  -- last rotation or revocation
  revoked_at  timestamptz                          -- logout or reuse detection
);
CREATE INDEX refresh_families_user_idx ON refresh_families (user_id);
-- The invalidation poll reads recently revoked sessions.
CREATE INDEX refresh_families_revoked_idx ON refresh_families (revoked_at) WHERE revoked_at IS NOT NULL;
-- The pruner looks for sessions that went quiet long ago.
CREATE INDEX refresh_families_updated_idx ON refresh_families (updated_at);

-- Families that existed before this migration. A family with any revoked token
-- is revoked as a whole (revocation always meant the whole family; a token
-- left unrevoked beside revoked ones is the successor of a racing rotation).
INSERT INTO refresh_families (id, user_id, created_at, updated_at, revoked_at)
SELECT family_id,
       (array_agg(user_id ORDER BY created_at))[1],
       min(created_at),
       greatest(max(created_at), max(used_at), max(revoked_at)),
       max(revoked_at)
FROM refresh_tokens
GROUP BY family_id;

UPDATE refresh_tokens t SET revoked_at = f.revoked_at
FROM refresh_families f
WHERE t.family_id = f.id AND f.revoked_at IS NOT NULL AND t.revoked_at IS NULL;

ALTER TABLE refresh_tokens
  ADD CONSTRAINT refresh_tokens_family_fkey FOREIGN KEY (family_id) REFERENCES refresh_families (id) ON DELETE CASCADE;
