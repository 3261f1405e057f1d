// The console's shell: a hash router (#/keys, #/keys/<id>, …), the navigation
// and the flash message. Views render into <main> and register what must be
// undone when the page changes (charts, timers).
import * as api from './api.js';
import { h, replace } from './dom.js';
import { errorBox } from './errors.js';
import * as auth from './views/auth.js';
import * as keys from './views/keys.js';
import * as key from './views/key.js';
import * as sessions from './views/sessions.js';
import * as webhooks from './views/webhooks.js';
import * as webhook from './views/webhook.js';
import * as audit from './views/audit.js';
import * as account from './views/account.js';

const ROUTES = [
  { pattern: /^\/login$/, view: auth.renderLogin, public: true, title: 'Log in' },
  { pattern: /^\/signup$/, view: auth.renderSignup, public: true, title: 'Sign up' },
  { pattern: /^\/keys$/, view: keys.render, nav: 'keys', title: 'API keys' },
  { pattern: /^\/keys\/([^/]+)$/, view: key.render, nav: 'keys', title: 'Key' },
  { pattern: /^\/webhooks$/, view: webhooks.render, nav: 'webhooks', title: 'Webhooks' },
  { pattern: /^\/webhooks\/([^/]+)$/, view: webhook.render, nav: 'webhooks', title: 'Webhook' },
  { pattern: /^\/sessions$/, view: sessions.render, nav: 'sessions', title: 'Sessions' },
  { pattern: /^\/audit$/, view: audit.render, nav: 'audit', title: 'Audit log' },
  { pattern: /^\/account$/, view: account.render, nav: 'account', title: 'Account' },
];
const NAV = [
  { id: 'keys', href: '#/keys', label: 'Keys' },
  { id: 'webhooks', href: '#/webhooks', label: 'Webhooks' },
  { id: 'sessions', href: '#/sessions', label: 'Sessions' },
  { id: 'audit', href: '#/audit', label: 'Audit log' },
  { id: 'account', href: '#/account', label: 'Account' },
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const flashBox = document.getElementById('flash');
let cleanups = [];
let pendingFlash = null;
let afterLogin = '#/keys';
let renderCount = 0;

// A message shown after the next navigation (or now, when navigate is not called).
export function flash(message, kind = 'success') {
  pendingFlash = { message, kind };
  showFlash();
}

function showFlash() {
  if (!pendingFlash) {
    flashBox.replaceChildren();
    return;
  }
  const { message, kind } = pendingFlash;
  replace(flashBox, h('p', { class: `notice ${kind}` }, message,
    h('button', { type: 'button', class: 'link dismiss', 'aria-label': 'Dismiss message', onclick: () => flashBox.replaceChildren() }, '×')));
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function renderNav(active) {
  if (!api.signedIn()) {
    nav.hidden = true;
    nav.replaceChildren();
    return;
  }
  nav.hidden = false;
  const user = api.currentUser();
  replace(nav,
    h('ul', {}, NAV.map((item) => h('li', {},
      h('a', {
        href: item.href, 'aria-current': item.id === active ? 'page' : undefined,
        // The page's own link reloads it (the hash would not change, so no hashchange).
        onclick: (event) => { if (location.hash === item.href) { event.preventDefault(); route(); } },
      }, item.label)))),
    h('div', { class: 'who' },
      h('span', { class: 'user', title: user?.email ?? '' }, user?.email ?? ''),
      h('button', {
        type: 'button', class: 'secondary small',
        onclick: async () => {
          await api.logout();
          flash('You are logged out.');
          navigate('#/login');
        },
      }, 'Log out')));
}

async function route() {
  for (const fn of cleanups.splice(0)) {
    try { fn(); } catch { /* a view's cleanup must not stop the next page */ }
  }
  const path = (location.hash.startsWith('#/') ? location.hash.slice(1) : '/keys').replace(/\/+$/, '') || '/keys';
  const found = ROUTES.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  if (!found) {
    navigate('#/keys');
    return;
  }
  const { r, m } = found;
  if (!r.public && !api.signedIn()) {
    afterLogin = `#${path}`;
    navigate('#/login');
    return;
  }
  if (r.public && api.signedIn()) {
    navigate('#/keys');
    return;
  }
  renderNav(r.nav);
  document.title = `${r.title} · authd console`;
  const count = ++renderCount;
  const page = h('div', { class: 'page' });
  replace(main, page);
  // A message set before this navigation is shown on this page, then cleared by the next.
  showFlash();
  pendingFlash = null;
  const ctx = {
    page,
    params: m.slice(1).map(decodeURIComponent),
    navigate,
    flash,
    onLeave: (fn) => cleanups.push(fn),
    alive: () => count === renderCount,
    afterLogin: () => afterLogin,
  };
  try {
    await r.view(ctx);
  } catch (err) {
    if (ctx.alive()) page.append(errorBox(err));
  }
  if (ctx.alive() && ctx.focus !== false) {
    const heading = page.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
}

api.onSessionEnd((reason) => {
  flash(reason === 'revoked' ? 'Your session was ended. Please log in again.'
    : 'Your session has expired. Please log in again.', 'warning');
  navigate('#/login');
});

// The skip link would change the hash (the router's); focus <main> instead.
document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
document.getElementById('booting')?.remove();
route();
