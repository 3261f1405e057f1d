// Labelled form fields, one per row, with optional hints.
import { h, uid } from '../dom.js';

// field('Name', {name: 'name', required: true}, 'hint') → a label, an input, a hint.
export function field(label, attrs = {}, hint = null) {
  const id = uid('in');
  const hintId = hint ? uid('hint') : undefined;
  const input = attrs.tag === 'select' || attrs.tag === 'textarea'
    ? h(attrs.tag, { ...withoutTag(attrs), id, 'aria-describedby': hintId }, attrs.options ?? [])
    : h('input', { type: 'text', ...withoutTag(attrs), id, 'aria-describedby': hintId });
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

function withoutTag(attrs) {
  const { tag, options, ...rest } = attrs;
  return rest;
}

export function option(value, label, selected = false) {
  return h('option', { value, selected }, label);
}

// The trimmed value of the form's field NAME ('' when absent).
export function value(form, name) {
  const el = form.elements.namedItem(name);
  return el && 'value' in el ? el.value.trim() : '';
}
