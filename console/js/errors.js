// The API's errors ({statusCode, error, message, code}) in words. Never the raw
// JSON: a code the console knows gets its own sentence, another the server's
// message (plain text, shown as text), validation problems one line each.
import { h } from './dom.js';

const SENTENCES = {
  invalid_credentials: 'Wrong email or password.',
  email_taken: 'An account with this email already exists. Log in instead.',
  invalid_json: 'The request was not understood by the server.',
  invalid_id: 'That id is not valid.',
  not_found: 'Not found: it may have been deleted, or it is not yours.',
  conflict: 'That cannot be done: the key was already rotated, revoked or has expired, or the operator disabled it.',
  webhook_limit: 'You have reached the maximum number of webhook endpoints. Delete one first.',
  payload_too_large: 'That is too large for the server.',
  unsupported_media_type: 'The server refused the request format.',
  user_inactive: 'This account is deactivated.',
  token_revoked: 'Your session has ended. Please log in again.',
  token_expired: 'Your session has expired. Please log in again.',
  invalid_token: 'Your session is not valid any more. Please log in again.',
  invalid_refresh_token: 'Your session has ended. Please log in again.',
  missing_credentials: 'Please log in.',
  internal_error: 'Something went wrong on the server. Try again, or ask the operator.',
};

// {summary, details[]} for any error thrown by api.request (or anything else).
export function describe(err) {
  if (!err || typeof err.status !== 'number') {
    return { summary: 'Something went wrong in the console.', details: [String(err?.message ?? err)] };
  }
  const { status, code, body, retryAfter } = err;
  if (status === 0) return { summary: 'Could not reach the server. Check your connection and try again.', details: [] };
  if (status === 429) {
    const when = retryAfter === null ? 'in a moment' : `in ${retryAfter} s`;
    return { summary: `Too many requests, try again ${when}.`, details: [] };
  }
  if (status === 503 || status === 502 || status === 504) {
    return { summary: 'The service is unavailable right now. Try again in a moment.', details: [] };
  }
  if (code === 'validation_failed' || Array.isArray(body?.message)) {
    const details = Array.isArray(body?.message) ? body.message.map(String) : [String(body?.message ?? '')];
    return { summary: 'Please correct the following:', details: details.filter(Boolean) };
  }
  if (code === 'url_not_allowed') {
    return { summary: 'This webhook URL is not allowed.', details: typeof body?.message === 'string' ? [body.message] : [] };
  }
  if (code && SENTENCES[code]) return { summary: SENTENCES[code], details: [] };
  if (typeof body?.message === 'string' && body.message) return { summary: `${body.message}.`.replace(/\.\.$/, '.'), details: [] };
  if (status >= 500) return { summary: `The server failed (HTTP ${status}). Try again in a moment.`, details: [] };
  return { summary: `The request was refused (HTTP ${status}).`, details: [] };
}

// An alert box for an error: a sentence, then the details as a list.
export function errorBox(err) {
  const { summary, details } = describe(err);
  return h('div', { class: 'notice error', role: 'alert' },
    h('p', {}, summary),
    details.length ? h('ul', {}, details.map((d) => h('li', {}, d))) : null);
}
