// The caller's audit log, newest first, a page at a time (GET /audit?before=).
import * as api from '../api.js';
import { append, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { time } from '../format.js';
import { eventLabel } from './events.js';

const PAGE = 50;

function who(actor) {
  switch (actor?.type) {
    case 'user': return actor.id ? 'you' : 'someone (not logged in)';
    case 'key': return 'the key itself';
    case 'operator': return 'the operator';
    case 'system': return 'authd';
    default: return actor?.type ?? '–';
  }
}

function target(t) {
  if (!t || !t.id) return h('span', { class: 'muted' }, '–');
  if (t.type === 'key') return h('a', { href: `#/keys/${encodeURIComponent(t.id)}` }, `key ${t.id.slice(0, 8)}…`);
  if (t.type === 'webhook') return h('a', { href: `#/webhooks/${encodeURIComponent(t.id)}` }, `webhook ${t.id.slice(0, 8)}…`);
  return `${t.type} ${t.id.slice(0, 8)}…`;
}

function detailText(data) {
  if (!data || !Object.keys(data).length) return null;
  return h('code', { class: 'data' }, JSON.stringify(data));
}

function row(e) {
  return h('tr', { 'data-event-type': e.type },
    h('td', { 'data-label': 'When' }, time(e.at)),
    h('td', { 'data-label': 'Event' }, h('span', { class: 'event-label' }, eventLabel(e.type)), ' ', h('code', { class: 'event-type' }, e.type)),
    h('td', { 'data-label': 'By' }, who(e.actor)),
    h('td', { 'data-label': 'Target' }, target(e.target)),
    h('td', { 'data-label': 'From', class: 'wrap' }, e.clientAddress ?? '', e.userAgent ? h('span', { class: 'muted small ua', title: e.userAgent }, ` ${e.userAgent}`) : null),
    h('td', { 'data-label': detailText(e.data) ? 'Details' : undefined, class: 'wrap' }, detailText(e.data)));
}

export async function render(ctx) {
  const tbody = h('tbody', {});
  const more = h('div', { class: 'actions' });
  const report = h('div', { 'aria-live': 'assertive' });
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'data stack-on-narrow audit' },
    h('caption', { class: 'visually-hidden' }, 'Audit log, newest first'),
    h('thead', {}, h('tr', {}, ['When', 'Event', 'By', 'Target', 'From', 'Details'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody));
  append(ctx.page, h('div', { class: 'page-head' }, h('h1', {}, 'Audit log'),
    h('button', { type: 'button', class: 'secondary', onclick: () => ctx.navigate('#/audit') }, 'Refresh')),
  h('p', { class: 'muted' }, 'Every change to your account and keys, newest first. Never a secret, key or token.'),
  report, table, more);
  const load = async (before) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (before) q.set('before', before);
    const page = await api.request('GET', `/audit?${q}`);
    if (!ctx.alive()) return;
    tbody.append(...page.events.map(row));
    if (!tbody.children.length) table.replaceWith(h('p', { class: 'empty' }, 'Nothing recorded yet.'));
    more.replaceChildren();
    if (page.next) {
      more.append(h('button', {
        type: 'button', class: 'secondary',
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          report.replaceChildren();
          try {
            await load(page.next);
          } catch (err) {
            report.replaceChildren(errorBox(err));
            button.disabled = false;
          }
        },
      }, 'Older events'));
    }
  };
  await load(null);
}
