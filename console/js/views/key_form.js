// The fields of a key, for create and edit, and the request body they make.
import { h } from '../dom.js';
import { field, option, value } from './form.js';

function localDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function group(legend, ...fields) {
  return h('fieldset', { class: 'group' }, h('legend', {}, legend), fields);
}

// The fields, filled from KEY (edit) or empty (create).
export function keyFields(key = null) {
  const refill = key?.credits?.refill;
  return [
    field('Name', { name: 'name', required: true, maxlength: 100, value: key?.name ?? '', autocomplete: 'off' },
      'For you: shown in the table and the audit log.'),
    field('Scopes', { name: 'scopes', value: (key?.scopes ?? []).join(' '), autocomplete: 'off', spellcheck: 'false' },
      'Separated by spaces or commas: a-z, 0-9 and : . _ - (e.g. reports:read). Empty: none.'),
    field('Expires', { type: 'datetime-local', name: 'expiresAt', value: localDateTime(key?.expiresAt) },
      'Your local time. Empty: never.'),
    group('Rate limit (empty: the server default)',
      h('div', { class: 'inline-fields' },
        field('Requests', { type: 'number', name: 'rateLimit', min: 1, step: 1, inputmode: 'numeric', value: key?.rateLimit?.limit ?? '' }),
        field('per seconds', { type: 'number', name: 'rateWindow', min: 1, max: 86400, step: 1, inputmode: 'numeric', value: key?.rateLimit?.windowSeconds ?? '' }))),
    group('Credits (empty: unlimited)',
      h('div', { class: 'inline-fields' },
        field('Remaining', { type: 'number', name: 'credits', min: 0, step: 1, inputmode: 'numeric', value: key?.credits?.remaining ?? '' }),
        field('Refill to', { type: 'number', name: 'refillAmount', min: 1, step: 1, inputmode: 'numeric', value: refill?.amount ?? '' }),
        field('every', {
          tag: 'select', name: 'refillInterval',
          options: [option('', 'no refill', !refill), option('day', 'day (UTC)', refill?.interval === 'day'),
            option('month', 'month (UTC)', refill?.interval === 'month')],
        }))),
    field('Metadata (JSON object)', {
      tag: 'textarea', name: 'metadata', rows: 3, spellcheck: 'false',
      options: [key?.metadata ? JSON.stringify(key.metadata, null, 2) : ''],
    }, 'Your own data, at most 4 KiB; never sent upstream. Empty: none.'),
  ];
}

class FormError extends Error {
  constructor(messages) {
    super(messages.join(' '));
    this.status = 400;
    this.code = 'validation_failed';
    this.body = { message: messages };
    this.retryAfter = null;
  }
}

function integer(form, name, problems, label) {
  const v = value(form, name);
  if (v === '') return null;
  if (!/^\d+$/.test(v)) {
    problems.push(`${label} must be a whole number.`);
    return null;
  }
  return Number(v);
}

// Every field as the API takes it (null for "none"); throws a validation error in words.
export function readKeyFields(form) {
  const problems = [];
  const out = {};
  out.name = value(form, 'name');
  if (!out.name) problems.push('The name is required.');
  out.scopes = value(form, 'scopes').split(/[\s,]+/).filter(Boolean);
  const expires = value(form, 'expiresAt');
  out.expiresAt = expires ? new Date(expires).toISOString() : null;
  const limit = integer(form, 'rateLimit', problems, 'The rate limit');
  const window = integer(form, 'rateWindow', problems, 'The rate window');
  if ((limit === null) !== (window === null)) problems.push('A rate limit needs both the number of requests and the window.');
  out.rateLimit = limit !== null && window !== null ? { limit, windowSeconds: window } : null;
  const remaining = integer(form, 'credits', problems, 'Remaining credits');
  const amount = integer(form, 'refillAmount', problems, 'The refill amount');
  const interval = value(form, 'refillInterval');
  if ((amount === null) !== (interval === '')) problems.push('A refill needs both an amount and an interval.');
  if (remaining === null && amount !== null) problems.push('A refill needs remaining credits too.');
  out.credits = remaining === null ? null
    : { remaining, ...(amount !== null && interval ? { refill: { amount, interval } } : {}) };
  const metadata = value(form, 'metadata');
  out.metadata = null;
  if (metadata) {
    try {
      out.metadata = JSON.parse(metadata);
    } catch {
      problems.push('The metadata is not valid JSON.');
    }
    if (out.metadata !== null && (typeof out.metadata !== 'object' || Array.isArray(out.metadata))) {
      problems.push('The metadata must be a JSON object ({ … }).');
    }
  }
  if (problems.length) throw new FormError(problems);
  return out;
}

// POST /keys: only what was filled in.
export function createBody(fields) {
  const body = { name: fields.name };
  if (fields.scopes.length) body.scopes = fields.scopes;
  for (const k of ['expiresAt', 'rateLimit', 'credits', 'metadata']) if (fields[k] !== null) body[k] = fields[k];
  return body;
}

function same(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v ?? null;
}

// PATCH /keys/:id: only the fields that changed (null clears); {} when nothing did.
export function patchBody(key, fields) {
  const body = {};
  if (fields.name !== key.name) body.name = fields.name;
  if (!same(fields.scopes, key.scopes ?? [])) body.scopes = fields.scopes.length ? fields.scopes : null;
  const oldExpiry = key.expiresAt ? new Date(key.expiresAt).toISOString().slice(0, 16) : null;
  const newExpiry = fields.expiresAt ? fields.expiresAt.slice(0, 16) : null;
  if (oldExpiry !== newExpiry) body.expiresAt = fields.expiresAt;
  if (!same(fields.rateLimit, key.rateLimit)) body.rateLimit = fields.rateLimit;
  const oldCredits = key.credits ? { remaining: key.credits.remaining, ...(key.credits.refill ? { refill: key.credits.refill } : {}) } : null;
  if (!same(fields.credits, oldCredits)) body.credits = fields.credits;
  if (!same(fields.metadata, key.metadata)) body.metadata = fields.metadata;
  return body;
}

