// Log in and sign up.
import * as api from '../api.js';
import { append, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { field, value } from './form.js';

function authForm(ctx, { title, intro, fields, submitLabel, submit, other }) {
  const errors = h('div', { class: 'form-errors' });
  const button = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const form = h('form', { class: 'auth-form', 'aria-labelledby': 'auth-title' }, fields, errors, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    button.disabled = true;
    try {
      await submit(form);
      const next = ctx.afterLogin();
      ctx.navigate(next === '#/login' || next === '#/signup' ? '#/keys' : next);
    } catch (err) {
      errors.replaceChildren(errorBox(err));
      button.disabled = false;
    }
  });
  append(ctx.page, h('section', { class: 'auth card' },
    h('h1', { id: 'auth-title' }, title),
    h('p', { class: 'muted' }, intro),
    form,
    h('p', { class: 'other' }, other)));
}

export async function renderLogin(ctx) {
  authForm(ctx, {
    title: 'Log in',
    intro: 'Manage your API keys, their usage, webhooks and sessions.',
    fields: [
      field('Email', { type: 'email', name: 'email', required: true, autocomplete: 'username', inputmode: 'email', spellcheck: 'false' }),
      field('Password', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' }),
    ],
    submitLabel: 'Log in',
    submit: (form) => api.login(value(form, 'email'), form.elements.namedItem('password').value),
    other: ['No account yet? ', h('a', { href: '#/signup' }, 'Sign up')],
  });
}

export async function renderSignup(ctx) {
  authForm(ctx, {
    title: 'Sign up',
    intro: 'Create an account to issue API keys for your services.',
    fields: [
      field('Name', { name: 'name', required: true, maxlength: 100, autocomplete: 'name' }),
      field('Email', { type: 'email', name: 'email', required: true, autocomplete: 'username', inputmode: 'email', spellcheck: 'false' }),
      field('Password', { type: 'password', name: 'password', required: true, minlength: 8, maxlength: 128, autocomplete: 'new-password' },
        '8 to 128 characters.'),
    ],
    submitLabel: 'Create account',
    submit: (form) => api.signup(value(form, 'email'), form.elements.namedItem('password').value, value(form, 'name')),
    other: ['Already have an account? ', h('a', { href: '#/login' }, 'Log in')],
  });
}
