// The API on this origin (through nginx), and the session's tokens.
//
// Both tokens live in this module's variables and nowhere else: not in
// localStorage, sessionStorage or a cookie. Reloading the page forgets them
// (log in again): authd's refresh tokens are bearer tokens in JSON, and no
// store that JavaScript can read survives an XSS better than none. On a 401
// `token_expired` the request is retried once after one refresh (concurrent
// requests share it); a refused refresh ends the session.

let session = null; // {accessToken, refreshToken, user}
let refreshing = null; // the refresh in flight, shared
const sessionEndListeners = new Set();

export class ApiError extends Error {
  // status: the HTTP status (0: no answer); body: the parsed JSON error or null;
  // retryAfter: seconds from Retry-After, or null.
  constructor(status, body, retryAfter, cause) {
    super(body && typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.code = body && typeof body.code === 'string' ? body.code : null;
    this.retryAfter = retryAfter;
    this.cause = cause;
  }
}

export function signedIn() {
  return session !== null;
}

export function currentUser() {
  return session?.user ?? null;
}

// fn(reason) runs when the session ends on its own (refresh refused, token revoked).
export function onSessionEnd(fn) {
  sessionEndListeners.add(fn);
}

function startSession(answer) {
  session = { accessToken: answer.accessToken, refreshToken: answer.refreshToken, user: answer.user };
}

function endSession(reason) {
  const had = session !== null;
  session = null;
  if (had) for (const fn of sessionEndListeners) fn(reason);
}

function retryAfterSeconds(res) {
  const value = res.headers.get('Retry-After');
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function send(method, path, body, auth) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && session) headers.Authorization = `Bearer ${session.accessToken}`;
  let res;
  try {
    res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, null, null, e);
  }
  const text = await res.text().catch(() => '');
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null; // not JSON (a proxy's page): errors.js says so in words
    }
  }
  return { res, json };
}

async function refreshOnce() {
  if (!session) throw new ApiError(401, { code: 'invalid_refresh_token', message: 'No session' }, null);
  if (!refreshing) {
    const token = session.refreshToken;
    refreshing = (async () => {
      const { res, json } = await send('POST', '/auth/refresh', { refreshToken: token }, false);
      if (!res.ok || !json?.accessToken) {
        const err = new ApiError(res.status, json, retryAfterSeconds(res));
        // Unavailable is not refused: keep the session for a later try.
        if (res.status === 401 || res.status === 400 || res.status === 403) endSession('expired');
        throw err;
      }
      startSession(json);
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

// request('GET', '/keys') → the parsed JSON (null for an empty body); throws ApiError.
export async function request(method, path, body, { auth = true } = {}) {
  let { res, json } = await send(method, path, body, auth);
  if (auth && res.status === 401 && json?.code === 'token_expired' && session) {
    await refreshOnce();
    ({ res, json } = await send(method, path, body, auth));
  }
  if (res.ok) return json;
  if (auth && res.status === 401 && ['token_expired', 'token_revoked', 'invalid_token'].includes(json?.code)) {
    endSession(json.code === 'token_revoked' ? 'revoked' : 'expired');
  }
  throw new ApiError(res.status, json, retryAfterSeconds(res));
}

export async function signup(email, password, name) {
  startSession(await request('POST', '/auth/signup', { email, password, name }, { auth: false }));
}

export async function login(email, password) {
  startSession(await request('POST', '/auth/login', { email, password }, { auth: false }));
}

// Ends the session on the server (its refresh family too), then here, whatever the answer.
export async function logout() {
  if (!session) return;
  try {
    await request('POST', '/auth/logout', { refreshToken: session.refreshToken });
  } catch {
    // Forgetting the tokens is what matters here; the server's session lapses anyway.
  } finally {
    session = null;
  }
}

// After the server ended the current session (logout-all, revoking it): forget it here.
export function forgetSession() {
  session = null;
}

// The user's name may change nowhere but here; refresh the copy from /auth/me.
export function setUser(user) {
  if (session) session.user = { ...session.user, ...user };
}
