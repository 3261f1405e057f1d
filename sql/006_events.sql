-- 006: the audit log (a transactional outbox) and webhooks.

-- Every change writes its event here in the change's own transaction. `seq`
-- orders a user's log (GET /audit pages by it, newest first); `user_id` is whose
-- log an event is in: NULL for events that belong to no account (a failed login
-- for an unknown email), which only operator endpoints receive. No foreign key:
-- an event outlives nothing it names, and writing one takes no lock on users.
CREATE TABLE events (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq            bigserial NOT NULL UNIQUE,
  type           text NOT NULL,
  at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  user_id        uuid,
  actor_type     text NOT NULL CHECK (actor_type IN ('user', 'key', 'operator', 'system')),
  actor_id       text,
  target_type    text NOT NULL,
  target_id      text,
  client_address text,
  user_agent     text,
  data           jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_user_seq_idx ON events (user_id, seq DESC);
-- Retention prunes by time.
CREATE INDEX events_at_idx ON events (at);

-- Webhook endpoints. user_id NULL: the operator's endpoint (WEBHOOK_URL), which
-- receives every event; a user's endpoints receive the events of their own
-- account and keys. `events` empty: every event type. The signing secret is
-- stored encrypted (AES-256-GCM, see README "Webhooks"), never in clear.
CREATE TABLE webhooks (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid REFERENCES users (id) ON DELETE CASCADE,
  url              text NOT NULL,
  events           text[] NOT NULL DEFAULT '{}',
  secret_encrypted text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);
CREATE INDEX webhooks_user_idx ON webhooks (user_id) WHERE deleted_at IS NULL;
-- At most one live operator endpoint.
CREATE UNIQUE INDEX webhooks_operator_idx ON webhooks ((user_id IS NULL)) WHERE user_id IS NULL AND deleted_at IS NULL;

-- One row per event and endpoint, written with the event (the fan-out happens
-- in the change's transaction, so an endpoint registered later does not get
-- older events). A worker claims due rows with FOR UPDATE SKIP LOCKED and
-- pushes next_attempt_at past its lease before it sends, so an attempt in
-- flight when its instance dies is retried once the lease runs out.
CREATE TABLE webhook_deliveries (
  id              bigserial PRIMARY KEY,
  webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  last_status     integer,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- key.expiring / key.expired notices already written: once per key, expiry and
-- threshold ('7d', '1d', 'expired'). A new expiresAt gets notices of its own.
CREATE TABLE key_expiry_notices (
  key_id     uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  threshold  text NOT NULL CHECK (threshold IN ('7d', '1d', 'expired')),
  noticed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, expires_at, threshold)
);
-- The scan looks for keys that expire soon.
CREATE INDEX api_keys_expires_idx ON api_keys (expires_at) WHERE expires_at IS NOT NULL AND is_active;
