// Event types in words (the audit log, webhook subscriptions, deliveries).
export const EVENT_TYPES = {
  'user.signup': 'Account created',
  'user.login': 'Logged in',
  'user.login_failed': 'Failed login',
  'user.logout': 'Logged out',
  'user.password_changed': 'Password changed',
  'user.password_reset_requested': 'Password reset requested',
  'user.deactivated': 'Account deactivated by the operator',
  'user.activated': 'Account activated by the operator',
  'user.rate_limit_changed': 'Account rate limit changed by the operator',
  'session.revoked': 'Session ended',
  'key.created': 'Key created',
  'key.updated': 'Key changed',
  'key.rotated': 'Key rotated',
  'key.enabled': 'Key enabled',
  'key.disabled': 'Key disabled',
  'key.leaked': 'Key reported leaked',
  'key.revoked': 'Key revoked',
  'key.expiring': 'Key expiring soon',
  'key.expired': 'Key expired',
  'key.credits_exhausted': 'Key out of credits',
  'webhook.created': 'Webhook created',
  'webhook.deleted': 'Webhook deleted',
  'webhook.test': 'Test event',
};

// The types a user's endpoint can subscribe to (password reset requests go to the operator only).
export const SUBSCRIBABLE = Object.keys(EVENT_TYPES).filter((t) => t !== 'webhook.test' && t !== 'user.password_reset_requested');

export function eventLabel(type) {
  return EVENT_TYPES[type] ?? type;
}
