// The console's only way to build DOM: elements from tag names, attributes
// from an allow-list, text through text nodes. Nothing here parses a string as
// HTML, so a key named `<img src=x onerror=alert(1)>` is shown as those
// characters. No style attributes either: the CSP (style-src 'self') refuses them.

const ATTRIBUTES = new Set([
  'id', 'class', 'type', 'name', 'value', 'placeholder', 'for', 'href', 'role', 'title', 'tabindex',
  'autocomplete', 'inputmode', 'min', 'max', 'step', 'minlength', 'maxlength', 'pattern', 'rows', 'cols',
  'scope', 'colspan', 'datetime', 'lang', 'spellcheck', 'enterkeyhint',
]);
const BOOLEAN_ATTRIBUTES = new Set(['required', 'disabled', 'readonly', 'checked', 'selected', 'hidden', 'multiple',
  'autofocus', 'open']);

// h('button', {class: 'primary', onclick: fn}, 'Create key'): an element. Props:
// allow-listed attributes, aria-* and data-*, on<event> functions. Children:
// strings and numbers (as text), nodes, arrays of them; null/undefined/false are skipped.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) {
      if (typeof value !== 'function') throw new Error(`h(): ${name} must be a function`);
      el.addEventListener(name.slice(2), value);
    } else if (BOOLEAN_ATTRIBUTES.has(name)) {
      if (value) el.setAttribute(name, '');
    } else if (ATTRIBUTES.has(name) || name.startsWith('aria-') || name.startsWith('data-')) {
      if (name === 'href' && !isSameOriginHref(String(value))) throw new Error(`h(): refused href ${value}`);
      el.setAttribute(name, String(value));
    } else {
      throw new Error(`h(): attribute ${name} is not allowed`);
    }
  }
  append(el, children);
  return el;
}

// Only the console's own routes and same-origin paths are ever links; URLs a user
// typed (webhook endpoints) are shown as text.
function isSameOriginHref(href) {
  return href.startsWith('#') || (href.startsWith('/') && !href.startsWith('//'));
}

export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces everything inside el.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// An SVG element (the sparkline's and the icons' shapes), attributes set one by one.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

let idCounter = 0;
// A unique id for label/aria wiring.
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
