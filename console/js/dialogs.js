// Modal <dialog>s: confirmations, forms, and the secret shown once. showModal()
// keeps the keyboard inside the dialog, Escape cancels, and the focus goes back
// where it was when the dialog closes.
import { h, uid } from './dom.js';
import { errorBox } from './errors.js';

function openModal(dialog) {
  const before = document.activeElement;
  document.body.append(dialog);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (before && before.isConnected && typeof before.focus === 'function') before.focus();
  });
  dialog.showModal();
  return dialog;
}

// Resolves true when confirmed, false when cancelled (button or Escape).
export function confirmDialog({ title, message, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    let confirmed = false;
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      [message].flat().map((m) => (m instanceof Node ? m : h('p', {}, m))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', autofocus: true, onclick: () => dialog.close() }, 'Cancel'),
        h('button', {
          type: 'button', class: danger ? 'danger' : 'primary',
          onclick: () => { confirmed = true; dialog.close(); },
        }, confirmLabel)));
    dialog.addEventListener('close', () => resolve(confirmed));
    openModal(dialog);
  });
}

// A form in a dialog. fields: nodes inside the <form>. onSubmit(form) runs on
// submit; its result resolves the promise and closes the dialog, an error it
// throws is shown in the dialog (which stays open). Cancel resolves null.
export function formDialog({ title, intro, fields, submitLabel, onSubmit, danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const errors = h('div', { class: 'dialog-errors', 'aria-live': 'assertive' });
    let result = null;
    const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitLabel);
    const form = h('form', {},
      fields,
      errors,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
        submit));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title), intro ? h('p', {}, intro) : null, form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      errors.replaceChildren();
      submit.disabled = true;
      try {
        result = await onSubmit(form);
        dialog.close();
      } catch (err) {
        errors.replaceChildren(errorBox(err));
        errors.scrollIntoView({ block: 'nearest' });
      } finally {
        submit.disabled = false;
      }
    });
    dialog.addEventListener('close', () => resolve(result));
    openModal(dialog);
  });
}

// The key or webhook secret, shown this once: selectable text, a copy button,
// and a warning. Resolves when the user closes it.
export function shownOnceDialog({ title, label, secret, warning }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const secretId = uid('secret');
    const status = h('p', { class: 'copy-status', role: 'status' });
    const value = h('output', { id: secretId, class: 'secret', 'data-secret': '', 'aria-label': label }, secret);
    const copy = h('button', {
      type: 'button', class: 'primary',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(secret);
          status.textContent = 'Copied to the clipboard.';
        } catch {
          // No clipboard permission (or an insecure context): select the text for Ctrl+C.
          const range = document.createRange();
          range.selectNodeContents(value);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          status.textContent = 'Copying is not allowed here: the text is selected, press Ctrl+C (or ⌘C).';
        }
      },
    }, 'Copy');
    const dialog = h('dialog', { class: 'dialog shown-once', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', { class: 'notice warning', role: 'note' }, warning),
      h('label', { for: secretId }, label),
      h('div', { class: 'secret-row' }, value, copy),
      status,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'I have stored it, close')));
    dialog.addEventListener('close', () => resolve());
    openModal(dialog);
    copy.focus();
  });
}
