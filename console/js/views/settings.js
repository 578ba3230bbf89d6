// App settings, each with an editor that fits its type: a switch for
// BOOLEAN, a number field for INTEGER, a JSON editor that validates as you
// type, a text field for STRING. Saves send If-Match.
import {ApiError, call, listAll, segment} from '../api.js';
import {append, el, errorBox, formatTime, loading, viewHeading} from '../dom.js';

const INTEGER = /^-?\d+$/;

function control(setting, id) {
  switch (setting.type) {
    case 'BOOLEAN':
      return el('input', {id, type: 'checkbox', role: 'switch', class: 'switch',
        checked: setting.value === 'true'});
    case 'INTEGER':
      return el('input', {id, type: 'number', step: '1', inputmode: 'numeric', value: setting.value});
    case 'JSON': {
      let pretty = setting.value;
      try {
        pretty = JSON.stringify(JSON.parse(setting.value), null, 2);
      } catch { /* shown as stored */ }
      return el('textarea', {id, rows: String(Math.min(12, pretty.split('\n').length + 1)),
        spellcheck: 'false', class: 'json', value: pretty});
    }
    default:
      return setting.value.includes('\n') || setting.value.length > 80 ?
        el('textarea', {id, rows: '4', value: setting.value}) :
        el('input', {id, type: 'text', value: setting.value});
  }
}

// The value to send, or an Error saying what is wrong with the input.
function valueOf(setting, input) {
  switch (setting.type) {
    case 'BOOLEAN':
      return input.checked ? 'true' : 'false';
    case 'INTEGER':
      if (!INTEGER.test(input.value.trim())) return new Error('Enter a whole number.');
      return input.value.trim();
    case 'JSON':
      try {
        return JSON.stringify(JSON.parse(input.value));
      } catch (error) {
        return new Error(`Not valid JSON: ${error.message}`);
      }
    default:
      return input.value;
  }
}

// "on" or "off" beside a switch, for sighted users (the switch itself
// tells assistive technology its state).
function switchLabel(input) {
  const text = el('span', {class: 'switch-label', 'aria-hidden': 'true'}, input.checked ? 'on' : 'off');
  input.addEventListener('change', () => {
    text.textContent = input.checked ? 'on' : 'off';
  });
  return text;
}

function settingRow(original) {
  let setting = original;
  const id = `setting-${setting.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const input = control(setting, id);
  const message = el('p', {class: 'error', role: 'alert', hidden: true, id: `${id}-error`});
  const note = el('p', {class: 'ok', role: 'status'});
  const save = el('button', {type: 'submit'}, 'Save');
  const updated = el('span', {class: 'muted small'}, `updated ${formatTime(setting.updateTime)}`);
  const check = () => {
    const value = valueOf(setting, input);
    const bad = value instanceof Error;
    message.hidden = !bad;
    message.textContent = bad ? value.message : '';
    input.setAttribute('aria-invalid', bad ? 'true' : 'false');
    if (bad) input.setAttribute('aria-describedby', message.id);
    save.disabled = bad;
    return value;
  };
  input.addEventListener('input', () => {
    note.textContent = '';
    check();
  });
  const form = el('form', {class: 'row setting', 'data-key': setting.key, 'data-type': setting.type},
      el('div', {class: 'key'}, el('label', {for: id}, el('strong', {}, setting.key)),
          el('span', {class: 'badge'}, setting.type.toLowerCase())),
      setting.description ? el('p', {class: 'muted small'}, setting.description) : null,
      el('div', {class: 'editor'}, input,
          setting.type === 'BOOLEAN' ? switchLabel(input) : null),
      el('div', {class: 'actions'}, save, updated, note), message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = check();
    if (value instanceof Error) return input.focus();
    save.disabled = true;
    note.textContent = 'Saving…';
    try {
      setting = await call('PATCH', `/v1/appSettings/${segment(setting.key)}`, {
        query: {updateMask: 'value'}, body: {value}, etag: setting.etag});
      note.textContent = 'Saved.';
      updated.textContent = `updated ${formatTime(setting.updateTime)}`;
    } catch (error) {
      note.textContent = '';
      message.hidden = false;
      message.textContent = error instanceof ApiError ? error.message : String(error);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

export async function renderSettings(container, isCurrent) {
  append(container, [viewHeading('Settings'), loading('settings')]);
  let settings;
  try {
    settings = await listAll('/v1/appSettings', 'appSettings');
  } catch (error) {
    if (isCurrent()) container.querySelector('.loading').replaceWith(errorBox(error));
    return;
  }
  if (!isCurrent()) return;
  container.querySelector('.loading').remove();
  settings.sort((a, b) => a.key.localeCompare(b.key));
  append(container, [settings.length ? el('div', {class: 'rows'}, settings.map(settingRow)) :
    el('p', {class: 'muted'}, 'No settings yet.')]);
}
