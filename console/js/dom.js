// DOM helpers. Every string from the API goes into the page as text
// (textContent or a Text node), never as markup: the legacy data holds
// values that look like HTML and script.

// el('p', {class: 'x', onclick: f}, 'text', child): attributes are set with
// setAttribute (never an href or a style from data), children are nodes or
// strings turned into Text nodes.
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') {
      element.className = value;
    } else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value' || name === 'checked' || name === 'disabled') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

// A visible loading line, announced to screen readers.
export function loading(what) {
  return el('p', {class: 'loading', role: 'status'}, `Loading ${what}…`);
}

// A visible error, announced at once.
export function errorBox(error) {
  return el('p', {class: 'error', role: 'alert'}, error && error.message ? error.message : String(error));
}

// A setting of a record as JSON text for people: strings as they are.
export function asText(value) {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'});
}

// "3 h 12 min", "45 s": how long until `iso`, or "expired".
export function timeUntil(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 0)) return 'expired';
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return `${Math.ceil(ms / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days >= 1) return `${days} d ${hours % 24} h`;
  if (hours >= 1) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}

// A heading that takes focus when a view opens, for keyboard and screen
// reader users.
export function viewHeading(text) {
  return el('h2', {tabindex: '-1', class: 'view-title'}, text);
}
