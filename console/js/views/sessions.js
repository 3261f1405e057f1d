// The caller's live sessions (logins), each revocable; "log out everywhere".
import * as api from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { append, h, replace } from '../dom.js';
import { errorBox } from '../errors.js';
import { time } from '../format.js';

async function revoke(ctx, session, report) {
  const ok = await confirmDialog({
    title: session.current ? 'End the session you are using?' : 'End this session?',
    message: session.current ? 'This is the session you are using: you will be logged out here.'
      : 'Its refresh token and access tokens are refused on every instance within a second.',
    confirmLabel: 'End session',
    danger: true,
  });
  if (!ok) return;
  try {
    await api.request('DELETE', `/auth/sessions/${encodeURIComponent(session.id)}`);
  } catch (err) {
    report.replaceChildren(errorBox(err));
    return;
  }
  if (session.current) {
    api.forgetSession();
    ctx.flash('This session was ended. Log in again to continue.');
    ctx.navigate('#/login');
    return;
  }
  ctx.flash('Session ended.');
  ctx.navigate('#/sessions');
}

async function logoutAll(ctx, report) {
  const ok = await confirmDialog({
    title: 'Log out everywhere?',
    message: 'Every session of your account ends, this one too: every device has to log in again.',
    confirmLabel: 'Log out everywhere',
    danger: true,
  });
  if (!ok) return;
  try {
    const answer = await api.request('POST', '/auth/logout-all');
    api.forgetSession();
    ctx.flash(`Logged out everywhere (${answer?.revoked ?? 'all'} session${answer?.revoked === 1 ? '' : 's'} ended).`);
    ctx.navigate('#/login');
  } catch (err) {
    report.replaceChildren(errorBox(err));
  }
}

export async function render(ctx) {
  const report = h('div', { 'aria-live': 'assertive' });
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading sessions…'));
  append(ctx.page, 
    h('div', { class: 'page-head' }, h('h1', {}, 'Sessions'),
      h('button', { type: 'button', class: 'danger', onclick: () => logoutAll(ctx, report) }, 'Log out everywhere')),
    h('p', { class: 'muted' }, 'Each login (on a browser, a script, a device) is a session until it is logged out or its refresh token lapses.'),
    report, body);
  const sessions = await api.request('GET', '/auth/sessions');
  if (!ctx.alive()) return;
  if (!sessions.length) {
    replace(body, h('p', { class: 'empty' }, 'No live sessions.'));
    return;
  }
  replace(body, h('div', { class: 'table-wrap' }, h('table', { class: 'data stack-on-narrow' },
    h('caption', { class: 'visually-hidden' }, 'Your sessions'),
    h('thead', {}, h('tr', {}, ['Started', 'Last refreshed', 'Browser or client', 'Address', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, sessions.map((s) => h('tr', { 'data-session-id': s.id },
      h('td', { 'data-label': 'Started' }, time(s.createdAt), s.current ? h('span', { class: 'badge state-active' }, 'this session') : null),
      h('td', { 'data-label': 'Last refreshed' }, time(s.lastRefreshedAt, { rel: true })),
      h('td', { 'data-label': 'Client', class: 'wrap' }, s.userAgent ?? h('span', { class: 'muted' }, 'unknown')),
      h('td', { 'data-label': 'Address' }, s.ip ?? h('span', { class: 'muted' }, 'unknown')),
      h('td', { class: 'row-actions' }, h('button', {
        type: 'button', class: 'secondary small', onclick: () => revoke(ctx, s, report),
        'aria-label': `End the session started ${new Date(s.createdAt).toLocaleString()}`,
      }, 'End'))))))));
}
