// Swagger UI at /api/docs in a real browser, THROUGH NGINX: every route of the
// spec is listed (a route dropped from the document fails here), "Try it out"
// on POST /auth/signup answers 201, and "Authorize" works for both schemes
// (the JWT and a key created in the page) on GET /auth/me and the nginx-served
// /protected routes. Debian's chromium, driven by playwright-core; the stack is
// the one scripts/test.sh started ($AUTHD_TEST_STATE/stack.env).
//
//   node --test tests/browser/swagger.test.mjs    (AUTHD_BROWSER_KEEP=1 keeps the screenshots)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.AUTHD_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling out, which this sandbox refuses.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Every route of SPEC.md, written here and not read from the document, so that a route
// missing from the document fails this test.
const EXPECTED_OPERATIONS = [
  'POST /auth/signup', 'POST /auth/login', 'POST /auth/refresh', 'POST /auth/logout', 'GET /auth/me',
  'POST /keys/create', 'POST /keys', 'GET /keys', 'DELETE /keys/{id}', 'GET /audit',
  'POST /webhooks', 'GET /webhooks', 'DELETE /webhooks/{id}', 'GET /webhooks/{id}/deliveries',
  'POST /webhooks/{id}/test',
  'GET /verify', 'GET /protected/user-only', 'GET /protected/service-only', 'GET /protected/flexible',
  'GET /protected/reports',
  'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /api/docs-json', 'GET /api/docs',
];

function nginxBaseUrl() {
  const state = process.env.AUTHD_TEST_STATE;
  assert.ok(state, 'AUTHD_TEST_STATE is not set: run through scripts/test.sh (it starts the stack)');
  const env = fs.readFileSync(path.join(state, 'stack.env'), 'utf8');
  const port = env.match(/^NGINX_PORT=(\d+)\s*$/m)?.[1];
  assert.ok(port, `NGINX_PORT not found in ${state}/stack.env`);
  return `http://127.0.0.1:${port}`;
}

// Expands an operation, switches on "Try it out" (optionally replacing the JSON body),
// executes it and returns [status shown in the page, response body text].
async function tryItOut(page, opId, body) {
  const op = page.locator(`#${opId}`);
  await op.scrollIntoViewIfNeeded();
  if (!(await op.evaluate((el) => el.classList.contains('is-open')))) {
    await op.locator('.opblock-summary').first().click();
  }
  await op.locator('button.try-out__btn').click();
  if (body !== undefined) await op.locator('textarea.body-param__text').fill(JSON.stringify(body));
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 20_000 });
  const code = (await status.innerText()).trim();
  const text = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
  // Reset, so the operation can be tried again.
  await op.locator('button.try-out__btn.cancel').click();
  return [code, text];
}

// Authorize dialog: fills one scheme's value and applies it.
async function authorize(page, scheme, value) {
  await page.locator('.scheme-container button.authorize').click();
  const container = page.locator('.dialog-ux .auth-container').filter({ hasText: scheme });
  await container.locator('input').first().fill(value);
  await container.locator('button.authorize').click();
  await page.locator('.dialog-ux button.btn-done').first().click();
}

test('Swagger UI through nginx: every route listed, Try it out and Authorize work', { timeout: 180_000 }, async () => {
  const base = nginxBaseUrl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authd-browser-'));
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  let ok = false;
  try {
    const res = await page.goto(`${base}/api/docs`);
    assert.equal(res.status(), 200, 'GET /api/docs through nginx');
    await page.locator('.opblock').nth(EXPECTED_OPERATIONS.length - 1).waitFor({ timeout: 30_000 });

    // Every (METHOD, path) the page shows.
    const shown = await page.$$eval('.opblock', (blocks) => blocks.map((b) => {
      const method = b.querySelector('.opblock-summary-method')?.textContent.trim();
      const p = b.querySelector('.opblock-summary-path')?.getAttribute('data-path');
      return `${method} ${p}`;
    }));
    for (const op of EXPECTED_OPERATIONS) assert.ok(shown.includes(op), `${op} is not shown; shown: ${shown.join(', ')}`);

    // Try it out: sign up, straight from the page.
    const email = `browser-${Date.now()}-${process.pid}@example.com`;
    const [signupCode, signupText] = await tryItOut(page, 'operations-accounts-signup',
      { email, password: 'Password123!', name: 'Browser Test' });
    assert.equal(signupCode, '201', `POST /auth/signup answered ${signupCode}: ${signupText}`);
    const session = JSON.parse(signupText);
    assert.equal(session.user.email, email);

    // Authorize with the JWT: GET /auth/me, and create a key for the other scheme.
    await authorize(page, 'bearerAuth', session.accessToken);
    const [meCode, meText] = await tryItOut(page, 'operations-accounts-me');
    assert.equal(meCode, '200', `GET /auth/me answered ${meCode}: ${meText}`);
    assert.equal(JSON.parse(meText).email, email);
    const [keyCode, keyText] = await tryItOut(page, 'operations-keys-createKey', { name: 'browser-test' });
    assert.equal(keyCode, '201', `POST /keys/create answered ${keyCode}: ${keyText}`);
    const { key } = JSON.parse(keyText);
    assert.match(key, /^sk_[0-9a-f]{64}$/);

    // Authorize with the key too: the nginx-served demo routes answer for each scheme.
    await authorize(page, 'apiKeyAuth', key);
    const [userCode, userText] = await tryItOut(page, 'operations-verify-protectedUserOnly');
    assert.equal(userCode, '200', `GET /protected/user-only answered ${userCode}: ${userText}`);
    assert.equal(JSON.parse(userText).authType, 'jwt');
    const [serviceCode, serviceText] = await tryItOut(page, 'operations-verify-protectedServiceOnly');
    assert.equal(serviceCode, '200', `GET /protected/service-only answered ${serviceCode}: ${serviceText}`);
    assert.equal(JSON.parse(serviceText).authType, 'apiKey');
    // GET /auth/me takes only bearerAuth, so the key is not sent and the JWT still works.
    const [me2Code] = await tryItOut(page, 'operations-accounts-me');
    assert.equal(me2Code, '200');

    assert.deepEqual(pageErrors, [], 'JavaScript errors in the page');
    ok = true;
  } finally {
    if (!ok || process.env.AUTHD_BROWSER_KEEP) {
      // What was in view when it stopped, and the whole page.
      const shot = path.join(dir, ok ? 'swagger.png' : 'swagger-failure.png');
      await page.screenshot({ path: shot }).catch(() => {});
      await page.screenshot({ path: shot.replace('.png', '-full.png'), fullPage: true }).catch(() => {});
      console.log(`screenshot: ${shot} (whole page: ${shot.replace('.png', '-full.png')})`);
    }
    await context.close();
    if (ok && !process.env.AUTHD_BROWSER_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else fs.rmSync(path.join(dir, 'profile'), { recursive: true, force: true });
  }
});
