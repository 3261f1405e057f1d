// The console at /console/ in a real browser, THROUGH NGINX: a new user's whole
// flow, driven by clicks and typing (only the calls made WITH a key go around
// the page, as a service's would): sign up → create a key → call
// /protected/service-only with it → the usage chart shows the calls after a
// flush → rotate with a 5 s grace → both keys work, then the old one is
// refused (key_expired) → disable (key_disabled) → revoke, confirmed
// (key_revoked) → the audit log lists it all. Also: the security headers of
// /console/ and its files, a key named `<img src=x onerror=alert(1)>` shown as
// text (no element, no alert), no CSP violation during the flow (and the CSP
// really refusing an inline style and script at the end), errors in words
// (429 from the login throttle, a 503), keyboard-only key creation, a webhook
// whose shown-once secret verifies a test delivery, sessions, a password change,
// the layout at 360 px, and no token kept anywhere a reload could find it.
// Screenshots of the keys table and a key's chart, desktop and 360 px, are kept
// in $AUTHD_ARTIFACTS_DIR (default build/test-artifacts/console/); the test
// prints their paths.
//
//   AUTHD_TEST_STATE=<stack folder> node --test tests/browser/console.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.AUTHD_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling out, which this sandbox refuses.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
  + "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const XSS_NAME = '<img src=x onerror=alert(1)>';
const PASSWORD = 'Password123!';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 780 };
const GRACE_SECONDS = 5;

function stackEnv() {
  const state = process.env.AUTHD_TEST_STATE;
  assert.ok(state, 'AUTHD_TEST_STATE is not set: run through scripts/test.sh (it starts the stack)');
  const text = fs.readFileSync(path.join(state, 'stack.env'), 'utf8');
  const get = (name) => text.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1]?.trim();
  const port = get('NGINX_PORT');
  assert.ok(port, `NGINX_PORT not found in ${state}/stack.env`);
  return { base: `http://127.0.0.1:${port}`, receiverPort: get('RECEIVER_PORT') };
}

function artifactsDir() {
  const dir = process.env.AUTHD_ARTIFACTS_DIR || path.join(ROOT, 'build', 'test-artifacts', 'console');
  fs.mkdirSync(dir, { recursive: true });
  // Only this run's screenshots.
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.png')) fs.rmSync(path.join(dir, f));
  return dir;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls the protected route as a service would: the key in x-api-key.
async function callWithKey(base, key) {
  const res = await fetch(`${base}/protected/service-only`, { headers: { 'x-api-key': key } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

// Polls callWithKey until it answers STATUS (and CODE), for up to ms.
async function expectKeyAnswer(base, key, status, code, ms, what) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await callWithKey(base, key);
    if (last.status === status && (!code || last.body?.code === code)) return last;
    if (Date.now() > end) break;
    await sleep(200);
  }
  assert.fail(`${what}: expected ${status} ${code ?? ''}, got ${last.status} ${JSON.stringify(last.body)}`);
}

async function waitForHeading(page, text) {
  await page.locator('main h1', { hasText: text }).first().waitFor({ timeout: 15_000 });
}

// The shown-once dialog: its secret and warning (onShown(secret) runs as soon as it
// shows); Copy, check the clipboard, close.
async function takeShownOnce(page, onShown = async () => {}) {
  const dialog = page.locator('dialog.shown-once[open]');
  await dialog.waitFor({ timeout: 15_000 });
  const secret = (await dialog.locator('output.secret').textContent()).trim();
  await onShown(secret);
  const warning = await dialog.locator('.notice.warning').textContent();
  assert.match(warning, /only/i, `the shown-once dialog warns that it is shown once: ${warning}`);
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await dialog.locator('.copy-status', { hasText: 'Copied' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, 'Copy put the secret on the clipboard');
  await dialog.getByRole('button', { name: /close/i }).click();
  await dialog.waitFor({ state: 'detached', timeout: 5_000 });
  return secret;
}

async function openKeyPage(page, name) {
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await waitForHeading(page, 'API keys');
  await page.locator('table.keys-table a.key-name', { hasText: name }).first().click();
  await page.locator('main h1.key-title').waitFor();
}

// Clicks Refresh on the key page until the usage totals say WANT (a flush is ~1 s in the test stack).
async function waitForUsage(page, want, ms = 20_000) {
  const totals = page.locator('[data-testid="usage-totals"]');
  const end = Date.now() + ms;
  for (;;) {
    const text = (await totals.textContent()) ?? '';
    if (text.includes(want)) return text;
    if (Date.now() > end) assert.fail(`the usage chart never showed "${want}"; it says "${text}"`);
    await sleep(700);
    await page.locator('section.usage').getByRole('button', { name: 'Refresh' }).click();
  }
}

test('console through nginx: security headers', async () => {
  const { base } = stackEnv();
  const redirect = await fetch(`${base}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 301, 'GET /console redirects');
  assert.equal(redirect.headers.get('location'), '/console/');
  for (const file of ['/console/', '/console/js/main.js', '/console/css/console.css', '/console/vendor/uplot/uPlot.esm.js',
    '/console/vendor/uplot/uPlot.min.css']) {
    const res = await fetch(`${base}${file}`);
    assert.equal(res.status, 200, `GET ${file}`);
    assert.equal(res.headers.get('content-security-policy'), CSP, `${file}: Content-Security-Policy`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${file}: X-Content-Type-Options`);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', `${file}: Referrer-Policy`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', `${file}: X-Frame-Options`);
    assert.equal(res.headers.get('cache-control'), 'no-cache', `${file}: Cache-Control`);
    const type = res.headers.get('content-type');
    if (file.endsWith('/')) assert.match(type, /^text\/html; charset=utf-8$/);
    if (file.endsWith('.js')) assert.match(type, /^application\/javascript/);
    if (file.endsWith('.css')) assert.match(type, /^text\/css/);
    const text = await res.text();
    if (file === '/console/') {
      // No inline script or style in the page itself (the CSP would refuse them anyway).
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, 'index.html has no inline <script>');
      assert.doesNotMatch(text, /\sstyle=|<style/i, 'index.html has no inline style');
    }
  }
  // Only this origin's files: every src/href of index.html is relative.
  const index = await (await fetch(`${base}/console/`)).text();
  for (const [, url] of index.matchAll(/(?:src|href)="([^"]+)"/g)) {
    assert.ok(!/^[a-z]+:|^\/\//i.test(url), `index.html refers to another origin: ${url}`);
  }
  const missing = await fetch(`${base}/console/no-such-file.js`);
  assert.equal(missing.status, 404);
});

test("console through nginx: a new user's whole flow", { timeout: 240_000 }, async () => {
  const { base, receiverPort } = stackEnv();
  const artifacts = artifactsDir();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'authd-console-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: DESKTOP,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  const dialogs = [];
  const violations = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // alert(), confirm(), prompt(): the console never uses them, so any one is injected script.
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  await page.exposeFunction('__authdCspViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__authdCspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const shots = [];
  const shot = async (name, locator) => {
    const file = path.join(artifacts, `${name}.png`);
    if (locator) await locator.screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
  };
  let ok = false;
  try {
    // ---- Log in page; errors in words: a wrong password, then the throttle's 429 ----
    const res = await page.goto(`${base}/console/`);
    assert.equal(res.status(), 200);
    await waitForHeading(page, 'Log in');
    const TOO_MANY = /^Too many requests, try again in \d+ s\.$/;
    const failLogin = async (who) => {
      await page.getByLabel('Email').fill(who);
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Log in' }).click();
      const alert = page.locator('.form-errors [role="alert"]');
      await alert.waitFor({ timeout: 10_000 });
      const text = (await alert.textContent()).trim();
      assert.ok(text === 'Wrong email or password.' || TOO_MANY.test(text), `a failed login in words: ${text}`);
      return text;
    };
    const stranger = `console-stranger-${Date.now()}-${process.pid}@example.com`;
    const answers = [];
    for (let i = 0; i < 8 && !TOO_MANY.test(answers.at(-1) ?? ''); i++) answers.push(await failLogin(stranger));
    assert.match(answers.at(-1), TOO_MANY, `the login throttle's 429, in words: ${answers}`);
    if (!answers.includes('Wrong email or password.')) {
      // Throttled from the first try (by the client address, after another suite's failures): once
      // the window (LOGIN_WINDOW_SECONDS, 3 s in the test stack) has passed, a wrong password is a 401.
      await sleep(4000);
      assert.equal(await failLogin(`console-other-${Date.now()}@example.com`), 'Wrong email or password.');
    }

    // ---- Sign up ----
    const email = `console-${Date.now()}-${process.pid}@example.com`;
    await page.getByRole('link', { name: 'Sign up' }).click();
    await waitForHeading(page, 'Sign up');
    await page.getByLabel('Name').fill('Console Test');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForHeading(page, 'API keys');
    await page.getByText('You have no API keys yet.').waitFor();

    // ---- A 503, in words (the answer replaced in the browser), and back ----
    await page.route(`${base}/keys`, (route) => route.fulfill({
      status: 503, contentType: 'application/json',
      body: JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'Database unavailable', code: 'database_unavailable' }),
    }), { times: 1 });
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    const unavailable = page.locator('main [role="alert"]');
    await unavailable.waitFor();
    assert.equal((await unavailable.textContent()).trim(), 'The service is unavailable right now. Try again in a moment.');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('You have no API keys yet.').waitFor();

    // ---- Create the key named like markup, with the keyboard only ----
    await waitForHeading(page, 'API keys');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent === 'Create key');
    }
    assert.ok(reached, 'Tab reaches the "Create key" button');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open] form').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'name', 'the dialog focuses its first field');
    await page.keyboard.type(XSS_NAME);
    await page.keyboard.press('Enter');
    const xssKey = await takeShownOnce(page);
    assert.match(xssKey, /^sk_[0-9a-f]{64}$/);
    await page.locator('main h1.key-title').waitFor();
    assert.equal(await page.locator('main h1.key-title').textContent(), XSS_NAME, 'the name is shown as text');
    assert.equal(await page.locator('img').count(), 0, 'the name made no <img> on its page');

    // ---- Create the key of the flow, with the mouse ----
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await waitForHeading(page, 'API keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const create = page.locator('dialog[open]');
    await create.getByLabel('Name').fill('billing-service');
    await create.getByLabel('Scopes').fill('reports:read reports:write');
    await create.getByLabel('Requests').fill('100');
    await create.getByLabel('per seconds').fill('60');
    await create.getByRole('button', { name: 'Create key' }).click();
    const oldKey = await takeShownOnce(page);
    await waitForHeading(page, 'billing-service');
    const oldId = await page.locator('dl.details dd code').first().textContent();

    // ---- Call a protected route with it; the chart shows the calls after a flush ----
    for (let i = 0; i < 3; i++) {
      const r = await callWithKey(base, oldKey);
      assert.equal(r.status, 200, `the new key on /protected/service-only: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.keyId, oldId);
    }
    await page.locator('fieldset.segmented label', { hasText: 'Minute' }).click();
    const totals = await waitForUsage(page, '3 valid');
    assert.match(totals, /^Last hour, by minute: 3 valid, 0 rate limited, 0 out of credits, 0 denied\.$/);
    await page.locator('section.usage canvas').first().waitFor();
    await page.locator('details.usage-details summary').click();
    assert.equal(await page.locator('table.usage-table td[data-outcome="valid"]').first().textContent(), '3');
    await page.locator('fieldset.segmented label', { hasText: 'Lines' }).click();
    await page.locator('fieldset.segmented label', { hasText: 'Stacked' }).click();
    await page.locator('section.usage canvas').first().waitFor();
    await shot('key-chart-desktop', page.locator('section.usage'));

    // ---- The keys table: both keys, the XSS name as text, usage in the last 24 h ----
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await waitForHeading(page, 'API keys');
    const row = page.locator('table.keys-table tr', { hasText: 'billing-service' });
    await row.locator('td', { hasText: '3 calls' }).waitFor({ timeout: 15_000 });
    // The row's own sparkline (GET /usage?perKey=true), drawn by uPlot on a canvas, labelled with its count.
    await row.locator('td.usage-cell .sparkline[aria-label="3 calls in the last 24 hours"] canvas').waitFor();
    assert.match(await row.textContent(), /reports:read, reports:write/);
    assert.match(await row.textContent(), /100 per 1 min/);
    await page.locator('[data-testid="all-calls"]', { hasText: '3 calls' }).waitFor();
    assert.equal(await page.locator('table.keys-table a.key-name', { hasText: 'onerror' }).textContent(), XSS_NAME);
    assert.equal(await page.locator('img').count(), 0, 'the name made no <img> in the table');
    await shot('keys-table-desktop');

    // ---- 360 px: no sideways scrolling; the same table and chart ----
    await page.setViewportSize(PHONE);
    await sleep(300);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'the keys page fits 360 px without sideways scrolling');
    await shot('keys-table-360px');
    await page.locator('table.keys-table a.key-name', { hasText: 'billing-service' }).click();
    await waitForHeading(page, 'billing-service');
    await waitForUsage(page, '3 valid');
    await page.locator('section.usage canvas').first().waitFor();
    await sleep(300);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'the key page fits 360 px without sideways scrolling');
    await shot('key-chart-360px', page.locator('section.usage'));
    await page.setViewportSize(DESKTOP);

    // ---- Rotate with a short grace: both keys work, then the old one is refused ----
    await page.getByRole('button', { name: 'Rotate' }).click();
    const rotate = page.locator('dialog[open]');
    await rotate.getByLabel('Grace period').fill(String(GRACE_SECONDS));
    await rotate.getByLabel('Unit').selectOption('seconds');
    await rotate.getByRole('button', { name: 'Rotate key' }).click();
    const rotatedAt = Date.now();
    let freshKeyId = null;
    const newKey = await takeShownOnce(page, async (key) => {
      // Within the grace period, both keys work.
      const during = await callWithKey(base, oldKey);
      assert.ok(Date.now() - rotatedAt < GRACE_SECONDS * 1000, 'checked the old key within its grace period');
      assert.equal(during.status, 200, `the old key during its grace: ${JSON.stringify(during.body)}`);
      const fresh = await callWithKey(base, key);
      assert.equal(fresh.status, 200, `the new key: ${JSON.stringify(fresh.body)}`);
      freshKeyId = fresh.body.keyId;
    });
    assert.notEqual(newKey, oldKey);
    await waitForHeading(page, 'billing-service');
    await page.getByRole('link', { name: 'the key it was rotated from' }).waitFor();
    const newId = await page.locator('dl.details dd code').first().textContent();
    assert.notEqual(newId, oldId);
    assert.equal(freshKeyId, newId, 'the page shows the new key');
    await sleep(Math.max(0, rotatedAt + GRACE_SECONDS * 1000 - Date.now()));
    await expectKeyAnswer(base, oldKey, 401, 'key_expired', 8000, 'the old key after its grace');
    assert.equal((await callWithKey(base, newKey)).status, 200, 'the new key still works');

    // ---- Disable, then revoke (confirmed) ----
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('#flash', { hasText: 'disabled' }).waitFor();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await expectKeyAnswer(base, newKey, 401, 'key_disabled', 3000, 'the disabled key');
    await page.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.locator('dialog[open]');
    await confirm.getByText('This cannot be undone', { exact: false }).waitFor();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page.locator('#flash', { hasText: 'revoked' }).waitFor();
    await page.locator('main [data-state="revoked"]').first().waitFor();
    await expectKeyAnswer(base, newKey, 401, 'key_revoked', 3000, 'the revoked key');

    // ---- The audit log lists it all ----
    await page.getByRole('link', { name: 'Audit log' }).click();
    await waitForHeading(page, 'Audit log');
    const types = await page.locator('table.audit tr[data-event-type]').evaluateAll((rows) => rows.map((r) => r.dataset.eventType));
    for (const t of ['user.signup', 'key.created', 'key.rotated', 'key.disabled', 'key.revoked']) {
      assert.ok(types.includes(t), `the audit log lists ${t}: ${types.join(', ')}`);
    }
    assert.equal(types.filter((t) => t === 'key.created').length, 2, 'two keys created');
    assert.deepEqual(types.slice(0, 3), ['key.revoked', 'key.disabled', 'key.rotated'], 'newest first');
    assert.ok((await page.locator('table.audit').textContent()).includes(XSS_NAME), 'the key.created details show the name as text');

    // ---- A webhook: the shown-once secret verifies a test delivery ----
    if (receiverPort) {
      const name = `console-${process.pid}-${Date.now()}`;
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await waitForHeading(page, 'Webhooks');
      await page.getByText('No webhook endpoints yet').waitFor();
      await page.getByLabel('URL').fill(`http://127.0.0.1:${receiverPort}/hook/${name}`);
      await page.getByRole('button', { name: 'Create webhook' }).click();
      const secret = await takeShownOnce(page);
      assert.match(secret, /^whsec_/);
      const control = `http://127.0.0.1:${receiverPort}/_control/${name}`;
      const put = await fetch(control, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ secret }) });
      assert.equal(put.status, 200, 'the receiver took the secret');
      await page.getByRole('link', { name: 'Deliveries' }).click();
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByText('Test event queued').waitFor();
      const delivered = page.locator('table.deliveries tr[data-delivery-state="delivered"]', { hasText: 'webhook.test' });
      for (let i = 0; i < 30 && !(await delivered.count()); i++) {
        await sleep(500);
        await page.getByRole('button', { name: 'Refresh' }).click();
      }
      assert.ok(await delivered.count(), 'the test delivery shows as delivered');
      const got = await (await fetch(control)).json();
      const test = got.received.find((r) => r.type === 'webhook.test');
      assert.ok(test && test.verified, `the receiver verified the test delivery with the shown secret: ${JSON.stringify(got.received)}`);
    } else {
      console.log('no RECEIVER_PORT in stack.env: the webhook part is skipped');
    }

    // ---- Sessions, after an expired access token (one refresh, one retry), and a password change ----
    const refreshes = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/auth/refresh') refreshes.push(r.method()); });
    await page.route(`${base}/auth/sessions`, (route) => route.fulfill({
      status: 401, contentType: 'application/json', headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      body: JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'Token has expired', code: 'token_expired' }),
    }), { times: 1 });
    await page.getByRole('link', { name: 'Sessions' }).click();
    await waitForHeading(page, 'Sessions');
    await page.locator('main .badge', { hasText: 'this session' }).waitFor();
    assert.deepEqual(refreshes, ['POST'], 'a token_expired answer is followed by one refresh, then the retry');
    await page.getByRole('link', { name: 'Account' }).click();
    await waitForHeading(page, 'Account');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('Password456!');
    await page.getByLabel('New password, again').fill('Password456!');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#flash', { hasText: 'Password changed' }).waitFor();

    // ---- Nothing stored; a reload means logging in again ----
    const stored = await page.evaluate(() => ({
      local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
    }));
    assert.deepEqual(stored, { local: 0, session: 0, cookie: '' }, 'no token in localStorage, sessionStorage or cookies');
    await page.reload();
    await waitForHeading(page, 'Log in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('Password456!');
    await page.getByRole('button', { name: 'Log in' }).click();
    // Back on the page that was open before the reload.
    await waitForHeading(page, 'Account');
    await page.getByRole('button', { name: 'Log out' }).click();
    await waitForHeading(page, 'Log in');
    await page.locator('#flash', { hasText: 'You are logged out.' }).waitFor();

    // ---- What must never have happened ----
    assert.equal(await page.locator('img').count(), 0, 'no <img> element anywhere');
    assert.deepEqual(dialogs, [], 'no alert/confirm/prompt');
    assert.deepEqual(violations, [], 'no CSP violation during the flow');
    assert.deepEqual(pageErrors, [], 'no JavaScript errors');

    // ---- And the CSP is enforced: an inline style and an inline script are refused ----
    const injected = await page.evaluate(async () => {
      const div = document.createElement('div');
      div.setAttribute('style', 'color: rgb(255, 0, 0)');
      document.body.append(div);
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true;';
      document.body.append(script);
      await new Promise((r) => setTimeout(r, 200));
      return { color: getComputedStyle(div).color, ran: window.__inlineRan === true };
    });
    assert.notEqual(injected.color, 'rgb(255, 0, 0)', 'an inline style attribute is refused');
    assert.equal(injected.ran, false, 'an inline script is refused');
    await sleep(200);
    assert.ok(violations.some((v) => v.startsWith('style-src')), `the style violation was seen: ${violations}`);
    assert.ok(violations.some((v) => v.startsWith('script-src')), `the script violation was seen: ${violations}`);
    ok = true;
  } finally {
    if (!ok) {
      const file = path.join(artifacts, 'failure.png');
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.log(`failure screenshot: ${file}`);
    }
    for (const f of shots) console.log(`screenshot: ${f}`);
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
