// One key: its details, its usage chart (minute / hour / day, stacked or
// lines), and edit, enable/disable, rotate and revoke.
import * as api from '../api.js';
import { totalsText, usageChart, usageTable } from '../charts.js';
import { confirmDialog, formDialog, shownOnceDialog } from '../dialogs.js';
import { append, h, replace } from '../dom.js';
import { errorBox } from '../errors.js';
import { creditsText, formatDuration, isoSeconds, keyState, rateLimitText, scopesText, stateBadge, time } from '../format.js';
import { field, option } from './form.js';
import { KEY_WARNING } from './keys.js';
import { keyFields, patchBody, readKeyFields } from './key_form.js';

// Each granularity's range: the last hour by minute, 24 hours by hour, 30 days by day.
const RANGES = {
  minute: { seconds: 3600, label: 'Last hour, by minute' },
  hour: { seconds: 86400, label: 'Last 24 hours, by hour' },
  day: { seconds: 30 * 86400, label: 'Last 30 days, by day' },
};
// What the chart shows, kept while the console is open (not stored anywhere).
const chartPrefs = { granularity: 'hour', mode: 'stacked' };

function details(key) {
  const rows = [
    ['ID', h('code', {}, key.id)],
    ['Prefix', h('code', {}, key.prefix)],
    ['Status', stateBadge(key)],
    ['Scopes', scopesText(key.scopes)],
    ['Rate limit', rateLimitText(key.rateLimit)],
    ['Credits', creditsText(key.credits)],
    ['Expires', key.expiresAt ? time(key.expiresAt) : 'never'],
    ['Last used', time(key.lastUsedAt)],
    ['Created', time(key.createdAt)],
  ];
  if (key.rotatedFrom) rows.push(['Replaces', h('a', { href: `#/keys/${encodeURIComponent(key.rotatedFrom)}` }, 'the key it was rotated from')]);
  if (key.rotatedAt) rows.push(['Rotated', time(key.rotatedAt)]);
  if (key.metadata) rows.push(['Metadata', h('pre', { class: 'json' }, JSON.stringify(key.metadata, null, 2))]);
  return h('dl', { class: 'details' }, rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

async function edit(ctx, key) {
  const updated = await formDialog({
    title: `Edit “${key.name}”`,
    fields: keyFields(key),
    submitLabel: 'Save',
    onSubmit: async (form) => {
      const body = patchBody(key, readKeyFields(form));
      if (!Object.keys(body).length) return { unchanged: true };
      return api.request('PATCH', `/keys/${encodeURIComponent(key.id)}`, body);
    },
  });
  if (!updated) return;
  ctx.flash(updated.unchanged ? 'Nothing was changed.' : `Key “${updated.name}” saved.`);
  ctx.navigate(location.hash);
}

async function setEnabled(ctx, key, enabled) {
  const updated = await api.request('PATCH', `/keys/${encodeURIComponent(key.id)}`, { enabled });
  ctx.flash(enabled ? `Key “${updated.name}” enabled: it works again.`
    : `Key “${updated.name}” disabled: every request with it is refused (401 key_disabled) until you enable it.`);
  ctx.navigate(location.hash);
}

const GRACE_UNITS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

async function rotate(ctx, key) {
  let graceSeconds = 0;
  const rotated = await formDialog({
    title: `Rotate “${key.name}”`,
    intro: 'A new key replaces this one, with the same name, scopes, limits, credits, metadata and expiry. '
      + 'This key keeps working for the grace period, so your services can move to the new one; then it is refused (key_expired).',
    fields: [h('div', { class: 'inline-fields' },
      field('Grace period', { type: 'number', name: 'grace', min: 0, step: 1, required: true, value: 1, inputmode: 'numeric' }),
      field('Unit', {
        tag: 'select', name: 'unit',
        options: [option('seconds', 'seconds'), option('minutes', 'minutes'), option('hours', 'hours'), option('days', 'days', true)],
      })),
    h('p', { class: 'hint' }, '0 retires the old key at once. At most 30 days, and never past its own expiry.')],
    submitLabel: 'Rotate key',
    onSubmit: (form) => {
      graceSeconds = Math.round(Number(form.elements.namedItem('grace').value) * GRACE_UNITS[form.elements.namedItem('unit').value]);
      return api.request('POST', `/keys/${encodeURIComponent(key.id)}/rotate`, { gracePeriodSeconds: graceSeconds });
    },
  });
  if (!rotated) return;
  await shownOnceDialog({ title: `Key “${rotated.name}” rotated`, label: 'The new API key', secret: rotated.key, warning: KEY_WARNING });
  ctx.flash(graceSeconds > 0
    ? `Key rotated: this is the new key. The old one (${key.prefix}…) keeps working for ${formatDuration(graceSeconds)}.`
    : `Key rotated: this is the new key. The old one (${key.prefix}…) is refused from now on.`);
  ctx.navigate(`#/keys/${encodeURIComponent(rotated.id)}`);
}

async function revoke(ctx, key) {
  const ok = await confirmDialog({
    title: `Revoke “${key.name}”?`,
    message: [`Every request with ${key.prefix}… is refused (401 key_revoked) on every instance within a second.`,
      'This cannot be undone. To stop a key for a while, disable it instead.'],
    confirmLabel: 'Revoke key',
    danger: true,
  });
  if (!ok) return;
  await api.request('DELETE', `/keys/${encodeURIComponent(key.id)}`);
  ctx.flash(`Key “${key.name}” revoked.`);
  ctx.navigate(location.hash);
}

function actions(ctx, key, report) {
  const state = keyState(key).id;
  const changeable = key.isActive && !key.rotatedAt;
  const run = (fn) => async () => {
    report.replaceChildren();
    try {
      await fn();
    } catch (err) {
      report.replaceChildren(errorBox(err));
    }
  };
  const buttons = [];
  const byOperator = !key.enabled && key.disabledReason === 'operator';
  if (changeable) {
    buttons.push(h('button', { type: 'button', class: 'secondary', onclick: run(() => edit(ctx, key)) }, 'Edit'));
    if (byOperator) {
      buttons.push(h('p', { class: 'muted' }, 'The operator disabled this key: only the operator can enable it again.'));
    } else buttons.push(key.enabled
      ? h('button', { type: 'button', class: 'secondary', onclick: run(() => setEnabled(ctx, key, false)) }, 'Disable')
      : h('button', { type: 'button', class: 'secondary', onclick: run(() => setEnabled(ctx, key, true)) }, 'Enable'));
    if (state !== 'expired' && !byOperator) buttons.push(h('button', { type: 'button', class: 'secondary', onclick: run(() => rotate(ctx, key)) }, 'Rotate'));
  }
  if (key.isActive) buttons.push(h('button', { type: 'button', class: 'danger', onclick: run(() => revoke(ctx, key)) }, 'Revoke'));
  if (!buttons.length) return h('p', { class: 'muted' }, 'This key was revoked: nothing can change it any more.');
  if (!changeable) buttons.unshift(h('p', { class: 'muted' }, 'This key was rotated: change its successor instead. It can still be revoked before its grace period ends.'));
  return h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Key actions' }, buttons);
}

function radioGroup(legend, name, choices, current, onChange) {
  return h('fieldset', { class: 'segmented' }, h('legend', {}, legend),
    choices.map(([v, label]) => h('label', {},
      h('input', { type: 'radio', name, value: v, checked: v === current, onchange: () => onChange(v) }), h('span', {}, label))));
}

function usageSection(ctx, key) {
  const area = h('div', { class: 'chart-area' });
  const totals = h('p', { class: 'totals', 'data-testid': 'usage-totals', 'aria-live': 'polite' });
  const table = h('details', { class: 'usage-details' }, h('summary', {}, 'The numbers, as a table'));
  let chart = null;
  let usage = null;
  ctx.onLeave(() => chart?.destroy());
  const draw = () => {
    chart?.destroy();
    chart = null;
    if (!usage) return;
    chart = usageChart(usage, chartPrefs.mode);
    replace(area, chart.element);
  };
  const load = async () => {
    const range = RANGES[chartPrefs.granularity];
    const to = new Date();
    const from = new Date(to.getTime() - range.seconds * 1000);
    // Written out, not through URLSearchParams: authd reads query values as sent and would not
    // decode %3A (the values are [0-9TZ:-] and the granularity a word, all safe in a query).
    const q = `granularity=${chartPrefs.granularity}&from=${isoSeconds(from)}&to=${isoSeconds(to)}`;
    totals.textContent = 'Loading usage…';
    try {
      usage = await api.request('GET', `/keys/${encodeURIComponent(key.id)}/usage?${q}`);
    } catch (err) {
      usage = null;
      chart?.destroy();
      chart = null;
      replace(area, errorBox(err));
      totals.textContent = '';
      return;
    }
    if (!ctx.alive()) return;
    draw();
    totals.textContent = `${range.label}: ${totalsText(usage.buckets)}.`;
    replace(table, h('summary', {}, 'The numbers, as a table'), usageTable(usage));
  };
  const section = h('section', { class: 'card usage', 'aria-labelledby': 'usage-title' },
    h('div', { class: 'section-head' },
      h('h2', { id: 'usage-title' }, 'Usage'),
      h('button', { type: 'button', class: 'secondary small', onclick: load }, 'Refresh')),
    h('div', { class: 'chart-controls' },
      radioGroup('Granularity', 'granularity', [['minute', 'Minute'], ['hour', 'Hour'], ['day', 'Day']], chartPrefs.granularity,
        (v) => { chartPrefs.granularity = v; load(); }),
      radioGroup('Outcomes', 'mode', [['stacked', 'Stacked'], ['lines', 'Lines']], chartPrefs.mode,
        (v) => { chartPrefs.mode = v; draw(); })),
    area, totals, table,
    h('p', { class: 'hint' }, 'Calls reach the chart within the server\'s flush interval (LAST_USED_FLUSH_MS, 5 s by default). '
      + 'Denied: refused because the key was disabled, expired, revoked, lacked a scope, or its user is inactive.'));
  load();
  return section;
}

export async function render(ctx) {
  const [id] = ctx.params;
  const key = await api.request('GET', `/keys/${encodeURIComponent(id)}`);
  if (!ctx.alive()) return;
  const report = h('div', { class: 'action-errors', 'aria-live': 'assertive' });
  append(ctx.page, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/keys' }, '← All keys')),
    h('div', { class: 'page-head' }, h('h1', { class: 'key-title' }, key.name), stateBadge(key)),
    actions(ctx, key, report),
    report,
    key.rotatedAt && key.expiresAt && Date.parse(key.expiresAt) > Date.now()
      ? h('p', { class: 'notice warning' }, `Rotated: this key keeps working for ${formatDuration(Math.round((Date.parse(key.expiresAt) - Date.now()) / 1000))} more (until `, time(key.expiresAt), ').')
      : null,
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-label': 'Details' }, details(key)),
      usageSection(ctx, key)));
}
