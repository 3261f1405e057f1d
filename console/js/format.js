// Dates, numbers and a key's state, in words.
import { h } from './dom.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const number = new Intl.NumberFormat();

export function formatNumber(n) {
  return n === null || n === undefined ? '–' : number.format(n);
}

// A <time> showing the local date and time, the ISO value in its title.
export function time(iso, { rel = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, rel ? fromNow(d) : dateTime.format(d));
}

export function fromNow(d) {
  const seconds = Math.round((d.getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(seconds, 'second');
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 36 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

export function formatDuration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8640) / 10} days`;
}

// A key's state: one of revoked, rotated, expired, disabled, leaked, active.
export function keyState(key) {
  const expired = key.expiresAt && Date.parse(key.expiresAt) <= Date.now();
  if (!key.isActive) return { id: 'revoked', label: 'Revoked' };
  if (key.rotatedAt) {
    return expired ? { id: 'expired', label: 'Rotated, retired' } : { id: 'rotated', label: 'Rotated, in grace' };
  }
  if (expired) return { id: 'expired', label: 'Expired' };
  if (!key.enabled) {
    if (key.disabledReason === 'leaked') return { id: 'leaked', label: 'Disabled: reported leaked' };
    if (key.disabledReason === 'operator') return { id: 'operator', label: 'Disabled by the operator' };
    return { id: 'disabled', label: 'Disabled' };
  }
  return { id: 'active', label: 'Active' };
}

export function stateBadge(key) {
  const s = keyState(key);
  return h('span', { class: `badge state-${s.id}`, 'data-state': s.id }, s.label);
}

export function rateLimitText(rateLimit) {
  if (!rateLimit) return 'server default';
  return `${formatNumber(rateLimit.limit)} per ${formatDuration(rateLimit.windowSeconds)}`;
}

export function creditsText(credits) {
  if (!credits) return 'unlimited';
  const refill = credits.refill ? `, refilled to ${formatNumber(credits.refill.amount)} each ${credits.refill.interval}` : '';
  return `${formatNumber(credits.remaining)} left${refill}`;
}

export function scopesText(scopes) {
  return scopes && scopes.length ? scopes.join(', ') : 'none';
}

// ISO-8601 to the second ("2025-01-31T12:00:00Z"), as authd's query parameters take it.
export function isoSeconds(d) {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
