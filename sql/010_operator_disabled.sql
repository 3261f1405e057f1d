-- authd admin keys disable: a key the operator disabled says so (disabled_reason
-- 'operator'), and only the operator enables it again (PATCH by the owner is 409).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_disabled_reason_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_disabled_reason_check
  CHECK (disabled_reason IN ('user', 'leaked', 'operator'));
