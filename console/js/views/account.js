// The account: who you are, and a password change (every other session ends).
import * as api from '../api.js';
import { append, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { time } from '../format.js';
import { field } from './form.js';

function passwordForm(ctx) {
  const errors = h('div', { 'aria-live': 'assertive' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Change password');
  const form = h('form', { class: 'card', 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, 'Change your password'),
    h('p', { class: 'muted' }, 'Every other session of your account ends (this one stays).'),
    field('Current password', { type: 'password', name: 'currentPassword', required: true, autocomplete: 'current-password' }),
    field('New password', { type: 'password', name: 'newPassword', required: true, minlength: 8, maxlength: 128, autocomplete: 'new-password' }, '8 to 128 characters.'),
    field('New password, again', { type: 'password', name: 'repeat', required: true, autocomplete: 'new-password' }),
    errors, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const get = (n) => form.elements.namedItem(n).value;
    if (get('newPassword') !== get('repeat')) {
      errors.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, h('p', {}, 'The new passwords differ.')));
      return;
    }
    button.disabled = true;
    try {
      await api.request('POST', '/auth/password', { currentPassword: get('currentPassword'), newPassword: get('newPassword') });
      form.reset();
      ctx.flash('Password changed. Your other sessions were logged out.');
      ctx.navigate('#/account');
    } catch (err) {
      errors.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function render(ctx) {
  const me = await api.request('GET', '/auth/me');
  if (!ctx.alive()) return;
  api.setUser({ email: me.email, name: me.name });
  append(ctx.page, h('div', { class: 'page-head' }, h('h1', {}, 'Account')),
    h('section', { class: 'card', 'aria-label': 'Profile' }, h('dl', { class: 'details' },
      h('div', {}, h('dt', {}, 'Name'), h('dd', {}, me.name)),
      h('div', {}, h('dt', {}, 'Email'), h('dd', {}, me.email)),
      h('div', {}, h('dt', {}, 'Member since'), h('dd', {}, time(me.createdAt))),
      h('div', {}, h('dt', {}, 'User id'), h('dd', {}, h('code', {}, me.id))))),
    passwordForm(ctx),
    h('p', { class: 'muted small' }, 'This console keeps your session in memory only: reloading the page logs you out here.'));
}
