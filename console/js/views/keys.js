// The keys table: every key with its state, limits, credits, last use and the
// last 24 hours of calls, from two requests (GET /keys and GET /usage), and
// the "Create key" dialog.
import * as api from '../api.js';
import { sparkline } from '../charts.js';
import { formDialog, shownOnceDialog } from '../dialogs.js';
import { append, h, replace } from '../dom.js';
import { errorBox } from '../errors.js';
import { creditsText, formatNumber, rateLimitText, scopesText, stateBadge, time } from '../format.js';
import { createBody, keyFields, readKeyFields } from './key_form.js';

export const KEY_WARNING = 'This is the only time the key is shown: authd keeps only its hash. Copy it now and store it '
  + 'somewhere safe (a secret manager). If you lose it, rotate the key.';

// Opens the create dialog; on success shows the key once and opens its page.
export async function createKey(ctx) {
  const created = await formDialog({
    title: 'Create an API key',
    fields: keyFields(),
    submitLabel: 'Create key',
    onSubmit: (form) => api.request('POST', '/keys', createBody(readKeyFields(form))),
  });
  if (!created) return;
  await shownOnceDialog({ title: `Key “${created.name}” created`, label: 'Your new API key', secret: created.key, warning: KEY_WARNING });
  ctx.flash(`Key “${created.name}” created.`);
  ctx.navigate(`#/keys/${encodeURIComponent(created.id)}`);
}

function total(t) {
  return t ? t.valid + t.rateLimited + t.usageExceeded + t.denied : 0;
}

function usageCell(ctx, totals, max) {
  const calls = total(totals);
  const cell = [];
  // GET /usage?perKey=true gives each used key's own buckets with its total.
  if (Array.isArray(totals?.buckets)) {
    const s = sparkline(totals.buckets, `${calls} calls in the last 24 hours`);
    ctx.onLeave(s.destroy);
    cell.push(s.element);
  } else {
    cell.push(h('meter', { min: 0, max: Math.max(1, max), value: calls, 'aria-hidden': 'true' }));
  }
  cell.push(h('span', { class: 'calls' }, calls ? `${formatNumber(calls)} call${calls === 1 ? '' : 's'}` : 'no calls'));
  if (totals && totals.valid !== calls) {
    cell.push(h('span', { class: 'muted small' }, ` (${formatNumber(calls - totals.valid)} refused)`));
  }
  return cell;
}

function keyRow(ctx, key, totals, max) {
  return h('tr', { 'data-key-id': key.id },
    h('th', { scope: 'row', 'data-label': 'Name' }, h('a', { href: `#/keys/${encodeURIComponent(key.id)}`, class: 'key-name' }, key.name)),
    h('td', { 'data-label': 'Prefix' }, h('code', {}, key.prefix)),
    h('td', { 'data-label': 'Scopes' }, scopesText(key.scopes)),
    h('td', { 'data-label': 'Rate limit' }, rateLimitText(key.rateLimit)),
    h('td', { 'data-label': 'Credits' }, creditsText(key.credits)),
    h('td', { 'data-label': 'Status' }, stateBadge(key)),
    h('td', { 'data-label': 'Last used' }, time(key.lastUsedAt, { rel: true })),
    h('td', { 'data-label': 'Last 24 h', class: 'usage-cell' }, usageCell(ctx, totals, max)));
}

export async function render(ctx) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading keys…'));
  append(ctx.page, 
    h('div', { class: 'page-head' },
      h('h1', {}, 'API keys'),
      h('button', { type: 'button', class: 'primary', onclick: () => createKey(ctx).catch(() => {}) }, 'Create key')),
    body);
  const [keysAnswer, usageAnswer] = await Promise.allSettled([api.request('GET', '/keys'), api.request('GET', '/usage?granularity=hour&perKey=true')]);
  if (!ctx.alive()) return;
  if (keysAnswer.status === 'rejected') {
    replace(body, errorBox(keysAnswer.reason), h('button', { type: 'button', class: 'secondary', onclick: () => ctx.navigate('#/keys') }, 'Try again'));
    return;
  }
  const keys = keysAnswer.value;
  if (!keys.length) {
    replace(body, h('div', { class: 'empty' },
      h('p', {}, 'You have no API keys yet.'),
      h('p', { class: 'muted' }, 'A key lets one of your services call the routes nginx guards. Create one, give it to the service, and watch its usage here.')));
    return;
  }
  const usage = usageAnswer.status === 'fulfilled' ? usageAnswer.value : null;
  const byKey = new Map((usage?.keys ?? []).map((t) => [t.keyId, t]));
  const max = Math.max(1, ...[...byKey.values()].map(total));
  const summary = h('div', { class: 'usage-summary' });
  if (usage) {
    const all = usage.buckets.reduce((s, b) => s + b.valid + b.rateLimited + b.usageExceeded + b.denied, 0);
    const s = sparkline(usage.buckets, `All keys: ${all} calls in the last 24 hours, by hour`);
    ctx.onLeave(s.destroy);
    summary.append(h('span', {}, 'All keys, last 24 h: '), s.element,
      h('strong', { 'data-testid': 'all-calls' }, `${formatNumber(all)} call${all === 1 ? '' : 's'}`));
  } else {
    summary.append(errorBox(usageAnswer.reason));
  }
  replace(body, summary,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data keys-table stack-on-narrow' },
      h('caption', { class: 'visually-hidden' }, 'Your API keys'),
      h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Scopes', 'Rate limit', 'Credits', 'Status', 'Last used', 'Last 24 h']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, keys.map((k) => keyRow(ctx, k, byKey.get(k.id), max))))));
}
