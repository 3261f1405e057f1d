// One webhook endpoint's deliveries (attempts, statuses, next retry) and a test send.
import * as api from '../api.js';
import { append, h, replace } from '../dom.js';
import { errorBox } from '../errors.js';
import { time } from '../format.js';
import { eventLabel } from './events.js';
import { sendTest } from './webhooks.js';

const STATES = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

function deliveriesTable(deliveries) {
  if (!deliveries.length) return h('p', { class: 'empty' }, 'Nothing was sent to this endpoint yet. Send a test, or change a key.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data stack-on-narrow deliveries' },
    h('caption', { class: 'visually-hidden' }, 'Deliveries, newest first'),
    h('thead', {}, h('tr', {}, ['Event', 'State', 'Attempts', 'Last answer', 'Last attempt', 'Next attempt'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, deliveries.map((d) => h('tr', { 'data-delivery-state': d.state },
      h('td', { 'data-label': 'Event' }, eventLabel(d.type), ' ', h('code', {}, d.type)),
      h('td', { 'data-label': 'State' }, h('span', { class: `badge delivery-${d.state}` }, STATES[d.state] ?? d.state)),
      h('td', { 'data-label': 'Attempts' }, String(d.attempts)),
      h('td', { 'data-label': 'Last answer', class: 'wrap' },
        d.lastStatus !== null ? `HTTP ${d.lastStatus}` : '', d.lastStatus !== null && d.lastError ? ' · ' : '', d.lastError ?? '',
        d.lastStatus === null && !d.lastError ? h('span', { class: 'muted' }, 'none yet') : null),
      h('td', { 'data-label': 'Last attempt' }, time(d.lastAttemptAt, { rel: true })),
      h('td', { 'data-label': 'Next attempt' }, d.nextAttemptAt ? time(d.nextAttemptAt, { rel: true }) : h('span', { class: 'muted' }, 'none')))))));
}

export async function render(ctx) {
  const [id] = ctx.params;
  const hooks = await api.request('GET', '/webhooks');
  if (!ctx.alive()) return;
  const hook = hooks.find((x) => x.id === id);
  append(ctx.page, h('p', { class: 'crumbs' }, h('a', { href: '#/webhooks' }, '← All webhooks')));
  if (!hook) {
    append(ctx.page, h('h1', {}, 'Webhook not found'), h('p', {}, 'It may have been deleted.'));
    return;
  }
  const report = h('div', { 'aria-live': 'polite' });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading deliveries…'));
  const load = async () => {
    try {
      const answer = await api.request('GET', `/webhooks/${encodeURIComponent(hook.id)}/deliveries?limit=100`);
      if (ctx.alive()) replace(list, deliveriesTable(answer.deliveries));
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  append(ctx.page, 
    h('div', { class: 'page-head' }, h('h1', { class: 'wrap' }, 'Deliveries to ', h('code', {}, hook.url))),
    h('p', { class: 'muted' }, hook.events.length ? `Events: ${hook.events.join(', ')}` : 'Every event type.'),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'primary', onclick: async () => { await sendTest(hook, report); load(); } }, 'Send test'),
      h('button', { type: 'button', class: 'secondary', onclick: load }, 'Refresh')),
    report, list);
  await load();
}
