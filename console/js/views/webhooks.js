// Webhook endpoints: create (the signing secret shown once), list, send a test,
// delete; each links to its deliveries.
import * as api from '../api.js';
import { confirmDialog, shownOnceDialog } from '../dialogs.js';
import { append, h, replace, uid } from '../dom.js';
import { errorBox } from '../errors.js';
import { time } from '../format.js';
import { SUBSCRIBABLE, eventLabel } from './events.js';
import { field, value } from './form.js';

const SECRET_WARNING = 'This signing secret is shown only this once. Store it with the receiver: it verifies each '
  + 'delivery\'s webhook-signature header (Standard Webhooks). If you lose it, delete the endpoint and create a new one.';

export async function sendTest(hook, report) {
  try {
    await api.request('POST', `/webhooks/${encodeURIComponent(hook.id)}/test`);
    report.replaceChildren(h('p', { class: 'notice success' }, 'Test event queued: it shows in the deliveries within seconds.'));
  } catch (err) {
    report.replaceChildren(errorBox(err));
  }
}

async function remove(ctx, hook, report) {
  const ok = await confirmDialog({
    title: 'Delete this webhook?',
    message: [h('p', {}, 'Deliveries to ', h('code', {}, hook.url), ' stop, pending ones fail.'), 'This cannot be undone.'],
    confirmLabel: 'Delete webhook',
    danger: true,
  });
  if (!ok) return;
  try {
    await api.request('DELETE', `/webhooks/${encodeURIComponent(hook.id)}`);
    ctx.flash('Webhook deleted.');
    ctx.navigate('#/webhooks');
  } catch (err) {
    report.replaceChildren(errorBox(err));
  }
}

function createForm(ctx) {
  const errors = h('div', { 'aria-live': 'assertive' });
  const allId = uid('all');
  const types = h('fieldset', { class: 'event-types', disabled: true },
    h('legend', {}, 'Only these events'),
    h('div', { class: 'checks' }, SUBSCRIBABLE.map((t) => h('label', {},
      h('input', { type: 'checkbox', name: 'events', value: t }), h('span', {}, eventLabel(t)), ' ', h('code', {}, t)))));
  const all = h('input', { type: 'checkbox', id: allId, name: 'all', checked: true, onchange: () => { types.disabled = all.checked; } });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Create webhook');
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-webhook' },
    h('h2', { id: 'new-webhook' }, 'New endpoint'),
    field('URL', { type: 'url', name: 'url', required: true, maxlength: 2048, placeholder: 'https://hooks.example.com/authd', spellcheck: 'false', autocomplete: 'off' },
      'http or https, on a public address. authd POSTs each event there, signed.'),
    h('div', { class: 'field check' }, all, h('label', { for: allId }, 'Every event type')),
    types, errors, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const body = { url: value(form, 'url') };
    if (!all.checked) {
      body.events = [...form.querySelectorAll('input[name="events"]:checked')].map((el) => el.value);
      if (!body.events.length) {
        errors.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, h('p', {}, 'Choose at least one event type, or every type.')));
        return;
      }
    }
    button.disabled = true;
    try {
      const created = await api.request('POST', '/webhooks', body);
      await shownOnceDialog({ title: 'Webhook created', label: 'Signing secret', secret: created.secret, warning: SECRET_WARNING });
      ctx.flash('Webhook created.');
      ctx.navigate('#/webhooks');
    } catch (err) {
      errors.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function render(ctx) {
  const report = h('div', { 'aria-live': 'polite' });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading webhooks…'));
  append(ctx.page, h('div', { class: 'page-head' }, h('h1', {}, 'Webhooks')),
    h('p', { class: 'muted' }, 'authd sends your account\'s and keys\' events to these endpoints, signed per the Standard Webhooks specification, retrying for about a day.'),
    report, list, createForm(ctx));
  const hooks = await api.request('GET', '/webhooks');
  if (!ctx.alive()) return;
  if (!hooks.length) {
    replace(list, h('p', { class: 'empty' }, 'No webhook endpoints yet. Add one below to receive events as they happen.'));
    return;
  }
  replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'data stack-on-narrow' },
    h('caption', { class: 'visually-hidden' }, 'Your webhook endpoints'),
    h('thead', {}, h('tr', {}, ['URL', 'Events', 'Created', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, hooks.map((hook) => h('tr', { 'data-webhook-id': hook.id },
      h('td', { 'data-label': 'URL', class: 'wrap' }, h('code', {}, hook.url)),
      h('td', { 'data-label': 'Events', class: 'wrap' }, hook.events.length ? hook.events.join(', ') : 'every type'),
      h('td', { 'data-label': 'Created' }, time(hook.createdAt)),
      h('td', { class: 'row-actions' },
        h('a', { href: `#/webhooks/${encodeURIComponent(hook.id)}`, class: 'button secondary small' }, 'Deliveries'),
        h('button', { type: 'button', class: 'secondary small', onclick: () => sendTest(hook, report) }, 'Send test'),
        h('button', { type: 'button', class: 'danger small', onclick: () => remove(ctx, hook, report) }, 'Delete'))))))));
}
